//! How database errors become [`StoreError`]s: a uniqueness violation names the rule it broke,
//! everything else is a backend error whose text is for logs only.

use stint_store::sql::codec::database_error;
use stint_store::StoreError;

/// The prefix of SQLite's message for a broken `UNIQUE` or `PRIMARY KEY` constraint.
const UNIQUE_FAILED: &str = "UNIQUE constraint failed: ";

/// Maps an error from sqlx.
pub(crate) fn from_sqlx(error: sqlx::Error) -> StoreError {
    let duplicate = error
        .as_database_error()
        .filter(|e| e.is_unique_violation());
    database_error(duplicate.map(|e| rule_name(e.message())), &error)
}

/// The name of the broken rule as the application knows it, from `UNIQUE constraint failed: t.c`.
fn rule_name(message: &str) -> &str {
    let columns = message.strip_prefix(UNIQUE_FAILED).unwrap_or("unknown");
    match columns {
        "users.upn_lower" => "userPrincipalName",
        "audit_events.id" => "auditEventId",
        "revisions.revision" => "revision",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_user_name_is_named_as_graph_names_the_property() {
        assert_eq!(
            rule_name("UNIQUE constraint failed: users.upn_lower"),
            "userPrincipalName"
        );
    }

    #[test]
    fn an_unknown_constraint_is_named_by_its_columns() {
        assert_eq!(
            rule_name("UNIQUE constraint failed: groups.id"),
            "groups.id"
        );
        assert_eq!(rule_name("something else"), "unknown");
    }
}
