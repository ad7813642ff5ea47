//! How database errors become [`StoreError`]s: a uniqueness violation names the rule it broke,
//! everything else is a backend error whose text is for logs only (the server's message, never
//! the SQL text).

use stint_store::sql::codec::database_error;
use stint_store::StoreError;

/// Maps an error from sqlx.
pub(crate) fn from_sqlx(error: sqlx::Error) -> StoreError {
    let duplicate = error
        .as_database_error()
        .filter(|e| e.is_unique_violation());
    database_error(duplicate.map(|e| rule_name(e.constraint())), &error)
}

/// The name of the broken rule as the application knows it, from the constraint's name (the
/// names are fixed in `migrations/`); the same names as the SQLite adapter's.
fn rule_name(constraint: Option<&str>) -> &str {
    match constraint {
        Some("users_user_principal_name_unique") => "userPrincipalName",
        Some("audit_events_id_unique") => "auditEventId",
        Some("revisions_pkey") => "revision",
        Some(other) => other,
        None => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_user_name_is_named_as_graph_names_the_property() {
        assert_eq!(
            rule_name(Some("users_user_principal_name_unique")),
            "userPrincipalName"
        );
        assert_eq!(rule_name(Some("audit_events_id_unique")), "auditEventId");
    }

    #[test]
    fn an_unknown_constraint_is_named_by_itself() {
        assert_eq!(rule_name(Some("groups_pkey")), "groups_pkey");
        assert_eq!(rule_name(None), "unknown");
    }
}
