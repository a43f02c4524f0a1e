//! The README's generated parts match what they are generated from. `PORTNIX_WRITE_README=1` rewrites
//! them in place.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails loudly by design")]

use portnix::diagnostic::Code;

const BEGIN: &str =
    "<!-- codes: generated from src/diagnostic/code.rs; tests/docs.rs fails when it drifts -->\n";
const END: &str = "<!-- /codes -->";

#[test]
fn readme_code_table_is_the_code_enum() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let start = readme.find(BEGIN).expect("README has the codes markers") + BEGIN.len();
    let end = start + readme[start..].find(END).expect("README closes the codes markers");
    let want = Code::markdown_table();
    if std::env::var("PORTNIX_WRITE_README").is_ok_and(|v| v == "1") {
        std::fs::write(path, format!("{}{want}{}", &readme[..start], &readme[end..])).unwrap();
        return;
    }
    assert_eq!(&readme[start..end], want, "the README's code table drifted: run with PORTNIX_WRITE_README=1");
    for code in Code::ALL {
        assert!(readme[start..end].contains(&format!("`{code}`")), "{code} missing");
    }
}
