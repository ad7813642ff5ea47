//! Distinguished names compared the way directories compare them: attribute types and the
//! usual values (`uid`, `cn`, `ou`, `dc`) ignore case, and spaces around `,`, `+` and `=` do
//! not count. [`normalize`] gives the one spelling that [`crate::TargetValue`]s of DNs use.

/// The normalised form of `dn`: lower-cased, without spaces around separators (escaped
/// characters are kept as they are, apart from case).
pub(crate) fn normalize(dn: &str) -> String {
    let mut rdns = Vec::new();
    for rdn in split_unescaped(dn, ',') {
        let avas: Vec<String> = split_unescaped(&rdn, '+')
            .iter()
            .map(|ava| match split_once_unescaped(ava, '=') {
                Some((kind, value)) => format!("{}={}", trim(&kind), trim(&value)),
                None => trim(ava),
            })
            .collect();
        rdns.push(avas.join("+"));
    }
    rdns.join(",").to_lowercase()
}

/// `text` split at each `separator` not preceded by a backslash escape.
fn split_unescaped(text: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for character in text.chars() {
        if escaped {
            escaped = false;
        } else if character == '\\' {
            escaped = true;
        } else if character == separator {
            parts.push(std::mem::take(&mut current));
            continue;
        }
        current.push(character);
    }
    parts.push(current);
    parts
}

fn split_once_unescaped(text: &str, separator: char) -> Option<(String, String)> {
    let mut parts = split_unescaped(text, separator);
    if parts.len() < 2 {
        return None;
    }
    let first = parts.remove(0);
    Some((first, parts.join(&separator.to_string())))
}

/// Trims spaces, keeping a trailing space that is escaped (`\ `).
fn trim(text: &str) -> String {
    let start = text.trim_start();
    let trimmed = start.trim_end();
    let backslashes = trimmed.chars().rev().take_while(|c| *c == '\\').count();
    if backslashes % 2 == 1 && trimmed.len() < start.len() {
        format!("{trimmed} ")
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn case_and_spaces_around_separators_do_not_count() {
        assert_eq!(
            normalize("UID=Alice, OU=People ,dc=Example,DC=org"),
            "uid=alice,ou=people,dc=example,dc=org"
        );
    }

    #[test]
    fn escaped_separators_stay_inside_their_value() {
        assert_eq!(
            normalize(r"cn=Doe\, John , ou=People"),
            r"cn=doe\, john,ou=people"
        );
        assert_eq!(normalize(r"cn=a\ ,ou=x"), r"cn=a\ ,ou=x");
        assert_eq!(normalize("cn=a + sn=B,ou=x"), "cn=a+sn=b,ou=x");
    }
}
