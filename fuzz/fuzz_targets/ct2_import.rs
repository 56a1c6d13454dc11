//! The CTranslate2 importer's parsing and checks on arbitrary bytes.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rehearse::fuzzing::ct2_import(data);
});
