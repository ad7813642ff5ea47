//! Turning what people type into ids: a group by id or display name (an ambiguous name is an
//! error listing the candidates), a principal by user id, user principal name, group id or group
//! name, and ids back into names for tables.

use std::collections::HashMap;

use serde_json::Value;

use crate::client::{odata_string, segment, CliError, CliResult, Client};

/// A group, found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRef {
    pub id: String,
    pub display_name: String,
}

/// Whether a principal is a user or a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    User,
    Group,
}

/// A user or group, found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalRef {
    pub id: String,
    pub display_name: String,
    pub kind: PrincipalKind,
    /// A user's user principal name.
    pub user_principal_name: Option<String>,
}

impl PrincipalRef {
    fn from_user(user: &Value) -> PrincipalRef {
        PrincipalRef {
            id: text(user, "id"),
            display_name: text(user, "displayName"),
            kind: PrincipalKind::User,
            user_principal_name: user
                .get("userPrincipalName")
                .and_then(Value::as_str)
                .map(str::to_string),
        }
    }

    fn from_group(group: &GroupRef) -> PrincipalRef {
        PrincipalRef {
            id: group.id.clone(),
            display_name: group.display_name.clone(),
            kind: PrincipalKind::Group,
            user_principal_name: None,
        }
    }

    /// `Alice (alice@contoso.com)` for a user, `group Ops` for a group.
    pub fn label(&self) -> String {
        match (&self.kind, &self.user_principal_name) {
            (PrincipalKind::User, Some(upn)) if *upn != self.display_name => {
                format!("{} ({upn})", self.display_name)
            }
            (PrincipalKind::User, _) => self.display_name.clone(),
            (PrincipalKind::Group, _) => format!("group {}", self.display_name),
        }
    }
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Whether `text` is a GUID, i.e. an id rather than a name.
pub fn is_id(text: &str) -> bool {
    uuid::Uuid::parse_str(text.trim()).is_ok()
}

fn is_not_found(error: &CliError) -> bool {
    error.code() == Some("Request_ResourceNotFound")
}

/// The signed-in user.
pub fn me(client: &Client) -> CliResult<PrincipalRef> {
    let user = client.get("/v1.0/me", &[])?;
    Ok(PrincipalRef::from_user(&user))
}

/// A group by id, or by display name (exactly one group must have it).
pub fn group(client: &Client, wanted: &str) -> CliResult<GroupRef> {
    let wanted = wanted.trim();
    if is_id(wanted) {
        return match client.get(&format!("/v1.0/groups/{}", segment(wanted)), &[]) {
            Ok(found) => Ok(GroupRef {
                id: text(&found, "id"),
                display_name: text(&found, "displayName"),
            }),
            Err(error) if is_not_found(&error) => Err(CliError::local(
                format!("No group has the id {wanted}."),
                Some("`stint groups list` shows the groups PIM manages.".into()),
            )),
            Err(error) => Err(error),
        };
    }
    let found = groups_named(client, wanted)?;
    match found.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(CliError::local(
            format!("No group is named '{wanted}'."),
            Some(
                "`stint groups list` shows the groups PIM manages; names are matched exactly."
                    .into(),
            ),
        )),
        many => Err(ambiguous(wanted, many)),
    }
}

fn groups_named(client: &Client, name: &str) -> CliResult<Vec<GroupRef>> {
    let filter = format!("displayName eq {}", odata_string(name));
    let groups = client.get_all(
        "/v1.0/groups",
        &[("$filter", filter), ("$select", "id,displayName".into())],
    )?;
    Ok(groups
        .iter()
        .map(|group| GroupRef {
            id: text(group, "id"),
            display_name: text(group, "displayName"),
        })
        .collect())
}

fn ambiguous(name: &str, candidates: &[GroupRef]) -> CliError {
    let listed: Vec<String> = candidates
        .iter()
        .map(|group| format!("  {}  {}", group.id, group.display_name))
        .collect();
    CliError::local(
        format!(
            "{} groups are named '{name}':\n{}",
            candidates.len(),
            listed.join("\n")
        ),
        Some("Give the id of the one you mean instead of its name.".into()),
    )
}

/// A user by id or user principal name, or a group by id or display name.
pub fn principal(client: &Client, wanted: &str) -> CliResult<PrincipalRef> {
    let wanted = wanted.trim();
    match client.get(&format!("/v1.0/users/{}", segment(wanted)), &[]) {
        Ok(user) => return Ok(PrincipalRef::from_user(&user)),
        Err(error) if is_not_found(&error) || error.code() == Some("BadRequest") => {}
        Err(error) => return Err(error),
    }
    if is_id(wanted) {
        return match group(client, wanted) {
            Ok(found) => Ok(PrincipalRef::from_group(&found)),
            Err(_) => Err(CliError::local(
                format!("No user or group has the id {wanted}."),
                None,
            )),
        };
    }
    let found = groups_named(client, wanted)?;
    match found.as_slice() {
        [only] => Ok(PrincipalRef::from_group(only)),
        [] => Err(CliError::local(
            format!("No user has the user principal name '{wanted}', and no group is named so."),
            Some("Give a user's user principal name or id, or a group's name or id.".into()),
        )),
        many => Err(ambiguous(wanted, many)),
    }
}

/// Names of users and groups by id, looked up once each.
#[derive(Debug, Default)]
pub struct Names {
    known: HashMap<String, String>,
}

impl Names {
    /// The user principal name of a user, or the display name of a group; `None` if neither
    /// can be read.
    pub fn name(&mut self, client: &Client, id: &str) -> Option<String> {
        if let Some(name) = self.known.get(id) {
            return Some(name.clone());
        }
        let found = client
            .get(&format!("/v1.0/users/{}", segment(id)), &[])
            .ok()
            .and_then(|user| {
                user.get("userPrincipalName")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .or_else(|| {
                client
                    .get(&format!("/v1.0/groups/{}", segment(id)), &[])
                    .ok()
                    .and_then(|group| {
                        group
                            .get("displayName")
                            .and_then(Value::as_str)
                            .map(str::to_string)
                    })
            });
        if let Some(name) = &found {
            self.known.insert(id.to_string(), name.clone());
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_guids() {
        assert!(is_id("2b5ed229-4072-478d-9504-a047ebd4b07d"));
        assert!(!is_id("Tier 0 Admins"));
        assert!(!is_id("alice@contoso.com"));
    }

    #[test]
    fn an_ambiguous_name_lists_every_candidate_with_its_id() {
        let candidates = [
            GroupRef {
                id: "11111111-1111-1111-1111-111111111111".into(),
                display_name: "Ops".into(),
            },
            GroupRef {
                id: "22222222-2222-2222-2222-222222222222".into(),
                display_name: "Ops".into(),
            },
        ];
        let error = ambiguous("Ops", &candidates);
        let text = error.to_string();
        assert!(text.starts_with("2 groups are named 'Ops'"), "{text}");
        assert!(text.contains("11111111-1111-1111-1111-111111111111"));
        assert!(text.contains("22222222-2222-2222-2222-222222222222"));
        assert_eq!(error.exit_code(), std::process::ExitCode::from(1));
    }

    #[test]
    fn principals_are_labelled_for_sentences() {
        let user = PrincipalRef {
            id: "1".into(),
            display_name: "Alice".into(),
            kind: PrincipalKind::User,
            user_principal_name: Some("alice@contoso.com".into()),
        };
        assert_eq!(user.label(), "Alice (alice@contoso.com)");
        let group = PrincipalRef {
            id: "2".into(),
            display_name: "Ops".into(),
            kind: PrincipalKind::Group,
            user_principal_name: None,
        };
        assert_eq!(group.label(), "group Ops");
    }
}
