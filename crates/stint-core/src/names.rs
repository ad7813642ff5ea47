//! F7: what a name may contain, and when two user principal names are the same name.
//!
//! Display names and user principal names refuse control characters (NUL included) and the
//! invisible marks that reorder or hide text (bidirectional overrides, embeddings, isolates and
//! marks), which make a name look like another. Two user principal names are the same when their
//! [`user_name_key`]s are equal: Unicode NFKC, then Unicode default case folding (the `caseless`
//! crate, full folding, so `ß` matches `ss`), then NFKC again, so `Ａｄｍｉｎ` is `admin`.

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

use crate::spec::Rule;
use crate::violation::Violation;

/// The characters refused besides controls: U+061C, U+200E, U+200F (marks), U+202A–U+202E
/// (embeddings and overrides) and U+2066–U+2069 (isolates).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Refuses a name with a control character or a bidirectional control, naming `field`.
pub fn check_name(field: &'static str, text: &str) -> Result<(), Violation> {
    match text.chars().find(|&c| c.is_control() || is_bidi_control(c)) {
        None => Ok(()),
        Some(c) => Err(Violation::bad_request(
            field,
            format!(
                "Invalid value for '{field}': it must not contain control characters or bidirectional text controls (found U+{:04X}).",
                u32::from(c)
            ),
        )
        .rule(Rule::D1)),
    }
}

/// The form of a user principal name that D1 compares: NFKC, case folded, NFKC.
pub fn user_name_key(name: &str) -> String {
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    name.nfkc().default_case_fold().nfkc().collect()
}

/// Whether `name` has the key `key` (made by [`user_name_key`]), without allocating for an
/// ASCII name.
pub fn has_user_name_key(name: &str, key: &str) -> bool {
    if name.is_ascii() {
        name.eq_ignore_ascii_case(key)
    } else {
        user_name_key(name) == key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f7_controls_and_bidirectional_controls_are_refused_naming_the_field() {
        for bad in [
            "ad\0min",
            "tab\there",
            "line\nbreak",
            "del\u{7f}",
            "c1\u{85}",
            "evil\u{202E}gnp.exe",
            "iso\u{2066}late\u{2069}",
            "mark\u{200F}",
            "mark\u{200E}",
            "embed\u{202A}",
            "arabic\u{061C}mark",
        ] {
            let refused = check_name("displayName", bad).expect_err(bad);
            assert_eq!(refused.field, Some("displayName"));
            assert!(
                refused.message.contains("displayName"),
                "{}",
                refused.message
            );
            assert_eq!(refused.code, crate::ErrorCode::BadRequest);
        }
    }

    #[test]
    fn f7_ordinary_names_in_any_script_are_accepted() {
        for good in [
            "Alice Smith",
            "Zoë Ødegård",
            "Ελένη",
            "山田太郎",
            "שלום",
            "محمد",
            "👩\u{200D}💻 team",
        ] {
            assert!(check_name("displayName", good).is_ok(), "{good}");
        }
    }

    #[test]
    fn f7_names_compare_after_nfkc_and_case_folding() {
        assert_eq!(user_name_key("Ａｄｍｉｎ"), "admin");
        assert_eq!(user_name_key("ADMIN"), "admin");
        assert_eq!(user_name_key("Straße@x"), user_name_key("STRASSE@X"));
        assert_eq!(user_name_key("ﬁle"), "file");
        assert_eq!(user_name_key("e\u{301}"), user_name_key("\u{e9}"));
        assert_ne!(user_name_key("admin"), user_name_key("admín"));
        assert!(has_user_name_key("Admin", &user_name_key("Ａｄｍｉｎ")));
        assert!(has_user_name_key("Ａｄｍｉｎ", &user_name_key("admin")));
        assert!(!has_user_name_key("admin2", &user_name_key("admin")));
    }
}
