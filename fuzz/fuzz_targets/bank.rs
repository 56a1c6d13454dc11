//! The question-bank parser on arbitrary text.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rehearse::fuzzing::bank(data);
});
