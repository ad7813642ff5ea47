//! Path parameters and answers that many operations document alike, for the OpenAPI document
//! only: `params(GroupPath)`, `responses(..., InvalidQuery)`.

use utoipa::{IntoParams, IntoResponses};

/// A type per path parameter: its name in the path and its description.
macro_rules! path_parameters {
    ($($type:ident: $name:ident, $description:tt;)*) => {$(
        #[derive(IntoParams)]
        #[into_params(parameter_in = Path)]
        #[allow(dead_code)]
        pub struct $type {
            #[doc = $description]
            $name: String,
        }
    )*};
}

/// A type per answer: its status and description.
macro_rules! answers {
    ($($type:ident: $status:tt, $description:tt;)*) => {$(
        #[derive(IntoResponses)]
        #[response(status = $status, description = $description)]
        pub struct $type;
    )*};
}

/// A type per kind of object: what every operation on one of them may answer besides its own,
/// that the caller may not manage them (403) or there is no such object (404).
macro_rules! refusals {
    ($($(#[$doc:meta])* $type:ident: $forbidden:ident, $forbidden_description:tt,
        $missing:ident, $missing_description:tt;)*) => {$(
        $(#[$doc])*
        #[derive(IntoResponses)]
        #[allow(dead_code)]
        pub enum $type {
            #[response(status = 403, description = $forbidden_description)]
            $forbidden,
            #[response(status = 404, description = $missing_description)]
            $missing,
        }
    )*};
}

path_parameters! {
    GroupPath: id, "The group's id";
    UserPath: id, "The user's id or userPrincipalName";
    UnitPath: id, "The administrative unit's id";
    PolicyPath: id, "Group_{groupId}_{guid}";
    RequestPath: id, "The request id";
    RoleAssignmentPath: id, "The role assignment's id";
    WebhookPath: id, "The subscription's id";
    MessagePath: id, "The message's id";
    ScimTokenPath: id, "The provisioning token's id";
    ConnectorPath: id, "The connector's id";
}

/// `/stint/v1/connectors/{id}/links/{linkId}`.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code, non_snake_case)]
pub struct LinkPath {
    /// The connector's id
    id: String,
    /// The link's id
    linkId: String,
}

answers! {
    Added: 204, "Added";
    Changed: 204, "Changed";
    Removed: 204, "Removed";
    InvalidBody: 400, "Invalid body";
    InvalidQuery: 400, "An invalid query option";
    NotGroupAdministrator: 403, "Not an administrator of this group";
    MayNotManageUnits: 403, "The caller may not manage administrative units";
    MayNotManageRoles: 403, "The caller may not manage directory roles";
    NotYoursToRead: 403, "Not yours to read";
    NoSuchGroup: 404, "No such group";
    NoSuchUser: 404, "No such user";
    NoSuchUnit: 404, "No such administrative unit";
    NoSuchRoleAssignment: 404, "No such role assignment";
    NoSuchPolicy: 404, "No such policy";
    NoSuchPolicyOrRule: 404, "No such policy or rule";
    Deleted: 204, "Deleted";
    InvalidWebhook: 400, "Invalid URL, events or format";
    NotWebhookManager: 403, "Not a Global or Privileged Role Administrator";
    InvalidScimToken: 400, "displayName is missing or too long";
    InvalidConnector: 400, "A field is missing, invalid or does not apply to the connector's type";
    NotConnectorManager: 403, "Not a Global or Privileged Role Administrator";
    NotAdvisorReader: 403, "Not a Global or Privileged Role Administrator";
}

refusals! {
    /// What every operation on one connector may answer besides its own.
    ConnectorRefusals: NotConnectorManager, "Not a Global or Privileged Role Administrator",
        NoSuchConnector, "No such connector or link";
    /// What every operation on one subscription may answer besides its own: the caller may not
    /// manage webhooks, or there is no such subscription.
    SubscriptionRefusals: NotWebhookManager, "Not a Global or Privileged Role Administrator",
        NoSuchSubscription, "No such subscription";
}
