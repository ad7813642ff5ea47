//! An audit event as people read it: its action as a phrase ("Activated", not
//! `request.selfActivate`), and its message with names for ids and times to the second. The API
//! and the exported chain keep the action codes and the messages as recorded.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::audit_message;

/// Each action code: what a successful event says, and what a refused one says.
const PHRASES: &[(&str, &str, &str)] = &[
    ("request.selfActivate", "Activated", "Tried to activate"),
    (
        "request.selfDeactivate",
        "Deactivated early",
        "Tried to deactivate early",
    ),
    (
        "request.selfExtend",
        "Asked for an extension",
        "Tried to ask for an extension",
    ),
    (
        "request.selfRenew",
        "Asked for a renewal",
        "Tried to ask for a renewal",
    ),
    ("request.adminAssign", "Assigned", "Tried to assign"),
    (
        "request.adminUpdate",
        "Changed an assignment",
        "Tried to change an assignment",
    ),
    (
        "request.adminRemove",
        "Removed an assignment",
        "Tried to remove an assignment",
    ),
    (
        "request.adminExtend",
        "Extended an assignment",
        "Tried to extend an assignment",
    ),
    (
        "request.adminRenew",
        "Renewed an assignment",
        "Tried to renew an assignment",
    ),
    (
        "request.cancel",
        "Canceled a request",
        "Tried to cancel a request",
    ),
    ("request.canceled", "Request canceled", "Request canceled"),
    ("request.approved", "Request approved", "Request approved"),
    ("request.denied", "Request denied", "Request denied"),
    (
        "request.pendingApproval",
        "Request waits for approval",
        "Request waits for approval",
    ),
    (
        "request.expire",
        "Request expired undecided",
        "Request expired undecided",
    ),
    (
        "request.timedOut",
        "Request expired undecided",
        "Request expired undecided",
    ),
    (
        "approval.approve",
        "Approved a request",
        "Tried to approve a request",
    ),
    (
        "approval.deny",
        "Denied a request",
        "Tried to deny a request",
    ),
    ("schedule.expire", "Assignment ended", "Assignment ended"),
    ("schedule.end", "Assignment ended", "Assignment ended"),
    (
        "schedule.remind",
        "Reminded of an assignment's end",
        "Reminder not sent",
    ),
    (
        "roleRequest.adminAssign",
        "Assigned a directory role",
        "Tried to assign a directory role",
    ),
    (
        "roleRequest.adminRemove",
        "Removed a directory role",
        "Tried to remove a directory role",
    ),
    (
        "roleRequest.selfActivate",
        "Activated a directory role",
        "Tried to activate a directory role",
    ),
    (
        "roleRequest.selfDeactivate",
        "Deactivated a directory role",
        "Tried to deactivate a directory role",
    ),
    (
        "roleAssignment.create",
        "Assigned a directory role",
        "Tried to assign a directory role",
    ),
    (
        "roleAssignment.delete",
        "Removed a directory role",
        "Tried to remove a directory role",
    ),
    ("auth.signIn", "Signed in", "Failed to sign in"),
    (
        "auth.signInFailed",
        "Failed to sign in",
        "Failed to sign in",
    ),
    ("auth.signOut", "Signed out", "Failed to sign out"),
    (
        "auth.mfa",
        "Verified an authenticator code",
        "Entered a wrong authenticator code",
    ),
    (
        "auth.tokenRotated",
        "Renewed the session",
        "Failed to renew the session",
    ),
    (
        "auth.tokenIssued",
        "Received a token",
        "Was refused a token",
    ),
    (
        "auth.identityLinked",
        "Linked a sign-in identity",
        "Failed to link a sign-in identity",
    ),
    (
        "auth.identityUnlinked",
        "Unlinked a sign-in identity",
        "Tried to unlink a sign-in identity",
    ),
    ("user.create", "Created a user", "Tried to create a user"),
    ("user.update", "Changed a user", "Tried to change a user"),
    (
        "user.resetCredentials",
        "Reset a user's sign-in",
        "Tried to reset a user's sign-in",
    ),
    (
        "user.authenticator.enrol",
        "Started adding an authenticator",
        "Tried to add an authenticator",
    ),
    (
        "user.authenticator.confirm",
        "Added an authenticator",
        "Failed to confirm an authenticator",
    ),
    (
        "user.authenticator.remove",
        "Removed an authenticator",
        "Tried to remove an authenticator",
    ),
    (
        "user.timeZone.set",
        "Chose a time zone",
        "Tried to choose a time zone",
    ),
    ("group.create", "Created a group", "Tried to create a group"),
    ("group.update", "Changed a group", "Tried to change a group"),
    ("group.delete", "Deleted a group", "Tried to delete a group"),
    (
        "group.manage",
        "Brought a group under PIM",
        "Tried to bring a group under PIM",
    ),
    (
        "group.member.add",
        "Added a member",
        "Tried to add a member",
    ),
    (
        "group.member.remove",
        "Removed a member",
        "Tried to remove a member",
    ),
    ("group.owner.add", "Added an owner", "Tried to add an owner"),
    (
        "group.owner.remove",
        "Removed an owner",
        "Tried to remove an owner",
    ),
    (
        "policy.update",
        "Changed a policy",
        "Tried to change a policy",
    ),
    (
        "administrativeUnit.create",
        "Created an administrative unit",
        "Tried to create an administrative unit",
    ),
    (
        "webhook.create",
        "Added a webhook",
        "Tried to add a webhook",
    ),
    (
        "webhook.update",
        "Changed a webhook",
        "Tried to change a webhook",
    ),
    (
        "webhook.delete",
        "Deleted a webhook",
        "Tried to delete a webhook",
    ),
    (
        "outbox.redrive",
        "Sent a message again",
        "Tried to send a message again",
    ),
    (
        "scimToken.create",
        "Made a provisioning token",
        "Tried to make a provisioning token",
    ),
    (
        "scimToken.revoke",
        "Revoked a provisioning token",
        "Tried to revoke a provisioning token",
    ),
    (
        "connector.create",
        "Added a connector",
        "Tried to add a connector",
    ),
    (
        "connector.update",
        "Changed a connector",
        "Tried to change a connector",
    ),
    (
        "connector.delete",
        "Deleted a connector",
        "Tried to delete a connector",
    ),
    (
        "connector.link.create",
        "Linked a group to a connector",
        "Tried to link a group to a connector",
    ),
    (
        "connector.link.delete",
        "Unlinked a group from a connector",
        "Tried to unlink a group from a connector",
    ),
    (
        "connector.reconcile",
        "Asked a connector to compare",
        "Tried to ask a connector to compare",
    ),
    (
        "connector.removalConfirmed",
        "A connector confirmed a removal",
        "A connector failed a removal",
    ),
    (
        "connector.driftFound",
        "A connector found a difference",
        "A connector found a difference",
    ),
    (
        "connector.driftCorrected",
        "A connector corrected a difference",
        "A connector failed to correct a difference",
    ),
    (
        "connector.userUnresolved",
        "A connector did not find a user",
        "A connector did not find a user",
    ),
    (
        "admin.recovered",
        "Recovered the administrator",
        "Failed to recover the administrator",
    ),
    (
        "tenant.create",
        "Created the directory",
        "Failed to create the directory",
    ),
];

/// The action codes that have a phrase, with their phrase for a success, in the order listed,
/// each once: what an action filter offers.
pub fn audit_actions() -> Vec<(&'static str, &'static str)> {
    let mut seen = std::collections::BTreeSet::new();
    PHRASES
        .iter()
        .filter(|(code, _, _)| seen.insert(*code))
        .map(|(code, done, _)| (*code, *done))
        .collect()
}

/// `action` as a phrase, for an event that succeeded or not. An action without a phrase reads
/// as its words: `scim.user.create` is "Scim user create".
pub fn audit_action(action: &str, succeeded: bool) -> String {
    if let Some((_, done, tried)) = PHRASES.iter().find(|(code, _, _)| *code == action) {
        return (if succeeded { done } else { tried }).to_string();
    }
    let mut words = String::new();
    for character in action.chars() {
        match character {
            '.' => words.push(' '),
            upper if upper.is_ascii_uppercase() => {
                words.push(' ');
                words.push(upper.to_ascii_lowercase());
            }
            other => words.push(other),
        }
    }
    let mut characters = words.trim().chars();
    characters
        .next()
        .map(|first| first.to_uppercase().chain(characters).collect())
        .unwrap_or_default()
}

/// An audit message for people: each id that `name_of` knows becomes its name in quotes, each
/// RFC 3339 instant is shown as `time_of` says it, then [`audit_message`] says it without API
/// words.
pub fn audit_details(
    message: &str,
    name_of: &dyn Fn(Uuid) -> Option<String>,
    time_of: &dyn Fn(DateTime<Utc>) -> String,
) -> String {
    let readable: Vec<String> = message
        .split(' ')
        .map(|token| {
            let core = token.trim_end_matches(['.', ',', ';', ':', ')']);
            let (lead, core) = match core.strip_prefix('(') {
                Some(rest) => ("(", rest),
                None => ("", core),
            };
            let tail = &token[lead.len() + core.len()..];
            let said = if let Ok(id) = core.parse::<Uuid>() {
                name_of(id).map(|name| format!("'{name}'"))
            } else {
                DateTime::parse_from_rfc3339(core)
                    .ok()
                    .map(|at| time_of(at.with_timezone(&Utc)))
            };
            match said {
                Some(said) => format!("{lead}{said}{tail}"),
                None => token.to_string(),
            }
        })
        .collect();
    audit_message(&readable.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_reads_as_a_phrase_for_success_and_refusal() {
        assert_eq!(audit_action("request.selfActivate", true), "Activated");
        assert_eq!(
            audit_action("request.selfActivate", false),
            "Tried to activate"
        );
        assert_eq!(audit_action("auth.signIn", false), "Failed to sign in");
        assert_eq!(audit_action("scim.user.create", true), "Scim user create");
        assert_eq!(
            audit_action("connector.link.create", true),
            "Linked a group to a connector"
        );
    }

    #[test]
    fn ids_become_names_and_instants_read_as_the_reader_reads_times() {
        let group = Uuid::from_u128(7);
        let message =
            format!("Activated member of group {group} until 2026-01-05T16:30:07.123456789+00:00.");
        let read = audit_details(
            &message,
            &|id| (id == group).then(|| "Tier 0 Admins".into()),
            &|at| at.format("%H:%M:%S on %-d %b").to_string(),
        );
        assert_eq!(
            read,
            "Activated member of group 'Tier 0 Admins' until 16:30:07 on 5 Jan."
        );
    }

    #[test]
    fn an_id_nobody_knows_stays_as_it_is() {
        let unknown = Uuid::from_u128(9);
        let read = audit_details(&format!("Deleted ({unknown})."), &|_| None, &|at| {
            at.to_string()
        });
        assert!(read.contains(&unknown.to_string()), "{read}");
    }

    #[test]
    fn every_action_is_offered_once() {
        let actions = audit_actions();
        let codes: std::collections::BTreeSet<&str> = actions.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes.len(), actions.len());
    }
}
