//! The WAV reader (and the resampler behind it) on arbitrary bytes.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rehearse::fuzzing::wav(data);
});
