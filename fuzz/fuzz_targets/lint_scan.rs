//! lint's scanners on arbitrary text, as Nix and as YAML/JSON/.env: any outcome but a panic,
//! a hang or an offset outside the text is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portnix::lint::Kind;
use portnix::lint::scan::numbers;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for kind in [Kind::Nix, Kind::Text] {
        if let Some(found) = numbers(text, kind) {
            for (offset, value) in found {
                assert!(offset < text.len(), "offset {offset} past the end");
                assert!(text.is_char_boundary(offset));
                assert!(value >= 0);
            }
        }
    }
});
