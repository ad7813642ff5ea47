//! First start (SPEC I5): the tenant and one Global Administrator.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::{AuditRecord, Outcome};
use crate::change::{Change, Decision};
use crate::directory::{BuiltInRole, DirectoryScope, PasswordHash, RoleAssignment, Tenant, User};
use crate::ids::{RoleAssignmentId, TenantId, UserId};

/// The user name of the first administrator.
pub const ADMIN_USER_NAME: &str = "admin";

/// Creates the tenant and the `admin` user holding Global Administrator for the whole directory.
pub fn bootstrap(
    now: DateTime<Utc>,
    mut fresh_id: impl FnMut() -> Uuid,
    admin_password: PasswordHash,
    role_assignable_group_limit: u32,
) -> Decision {
    let tenant = Tenant {
        id: TenantId(fresh_id()),
        created_at: now,
        role_assignable_group_limit,
    };
    let admin = User {
        id: UserId(fresh_id()),
        user_principal_name: ADMIN_USER_NAME.to_string(),
        display_name: "Administrator".to_string(),
        account_enabled: true,
        password_hash: admin_password,
        created_at: now,
        authenticator: None,
        recent_failed_codes: Vec::new(),
        identities: Vec::new(),
        time_zone: None,
        mail: None,
    };
    let assignment = RoleAssignment::permanent(
        RoleAssignmentId(fresh_id()),
        admin.id.into(),
        BuiltInRole::GlobalAdministrator,
        DirectoryScope::Directory,
        now,
    );
    let event = AuditRecord {
        id: fresh_id(),
        at: now,
        actor: None,
        action: "tenant.create".to_string(),
        outcome: Outcome::Success,
        target_type: "tenant".to_string(),
        target_id: tenant.id.to_string(),
        group_id: None,
        principal_id: Some(admin.id.into()),
        justification: None,
        ticket: None,
        correlation_id: None,
        client: None,
        message: "Created the tenant and the user admin with the Global Administrator role."
            .to_string(),
    };
    Decision::new()
        .change(Change::Tenant(tenant))
        .change(Change::User(admin))
        .change(Change::RoleAssignment(assignment))
        .audit(event)
}
