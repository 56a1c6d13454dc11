//! The ggml model check on arbitrary bytes.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rehearse::fuzzing::ggml_header(data);
});
