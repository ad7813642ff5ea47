//! The user filter: a search filter with the placeholders `{userPrincipalName}`, `{mail}` and
//! `{id}`, each replaced by the member's value escaped per RFC 4515, so that no value can change
//! the filter's structure.

use crate::{Member, TargetError};

/// The placeholders a user filter may contain.
const PLACEHOLDERS: [&str; 3] = ["{userPrincipalName}", "{mail}", "{id}"];

/// Checks a configured filter: parenthesised, with at least one placeholder.
pub(crate) fn validate(filter: &str) -> Result<(), TargetError> {
    if !(filter.starts_with('(') && filter.ends_with(')')) {
        return Err(TargetError::permanent(
            "userFilter: must be an LDAP filter in parentheses, e.g. (uid={userPrincipalName})",
        ));
    }
    if !PLACEHOLDERS.iter().any(|p| filter.contains(p)) {
        return Err(TargetError::permanent(
            "userFilter: must contain {userPrincipalName}, {mail} or {id}",
        ));
    }
    Ok(())
}

/// The filter for `member`, in one pass (a value containing a placeholder is not expanded
/// again). A member without mail cannot fill `{mail}`.
pub(crate) fn expand(filter: &str, member: &Member) -> Result<String, TargetError> {
    let mut expanded = String::with_capacity(filter.len() + 32);
    let mut rest = filter;
    while let Some(start) = rest.find('{') {
        expanded.push_str(&rest[..start]);
        let tail = &rest[start..];
        let placeholder = PLACEHOLDERS.iter().find(|p| tail.starts_with(*p));
        match placeholder {
            Some(placeholder) => {
                let value = match *placeholder {
                    "{userPrincipalName}" => member.user_principal_name.clone(),
                    "{mail}" => member.mail.clone().ok_or_else(|| {
                        TargetError::permanent("the user has no mail for {mail} in userFilter")
                    })?,
                    _ => member.id.to_string(),
                };
                expanded.push_str(&ldap3::ldap_escape(value.as_str()));
                rest = &tail[placeholder.len()..];
            }
            None => {
                expanded.push('{');
                rest = &tail[1..];
            }
        }
    }
    expanded.push_str(rest);
    Ok(expanded)
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn member(upn: &str) -> Member {
        Member {
            id: Uuid::nil(),
            user_principal_name: upn.into(),
            mail: Some("a@example.com".into()),
        }
    }

    #[test]
    fn an_injection_attempt_is_escaped_into_a_plain_value() {
        let filter = expand("(uid={userPrincipalName})", &member("*)(uid=*")).unwrap();
        assert_eq!(filter, r"(uid=\2a\29\28uid=\2a)");
    }

    #[test]
    fn every_placeholder_is_filled_once() {
        let filter = expand(
            "(|(mail={mail})(employeeNumber={id})(cn={userPrincipalName}))",
            &member("{mail}"),
        )
        .unwrap();
        assert_eq!(
            filter,
            "(|(mail=a@example.com)(employeeNumber=00000000-0000-0000-0000-000000000000)(cn={mail}))"
        );
    }

    #[test]
    fn a_filter_without_placeholder_or_parentheses_is_refused() {
        assert!(validate("(uid=alice)").is_err());
        assert!(validate("uid={userPrincipalName}").is_err());
        assert!(validate("(uid={userPrincipalName})").is_ok());
    }
}
