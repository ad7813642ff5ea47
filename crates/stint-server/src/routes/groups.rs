//! `/v1.0/groups` and `/v1.0/groups/{id}` (SPEC D2, D3, P5).

use std::str::FromStr;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;
use stint_core::directory::{GroupKind, GroupSource};
use stint_core::ids::GroupId;
use stint_core::rules::directory::{GroupPatch, NewGroup};
use utoipa_axum::routes;

use crate::call::Call;
use crate::collection::ListSpec;
use crate::documented::{Changed, GroupPath, InvalidQuery, NoSuchGroup};
use crate::error::{ApiError, ApiResult};
use crate::extract::GraphJson;
use crate::shape::directory as shape;
use crate::wire::{self, ListOptions, SelectOption};
use crate::wire::{graph_body, graph_patch_body, MAX_DESCRIPTION, MAX_MAIL_NICKNAME, MAX_NAME};
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(create_group, list_groups))
        .routes(routes!(get_group, update_group, delete_group))
}

/// A group's properties, then those given.
macro_rules! group_properties {
    ($($more:literal),*) => {
        &[
            "id",
            "displayName",
            "description",
            "groupTypes",
            "securityEnabled",
            "mailEnabled",
            "isAssignableToRole",
            "membershipRule",
            "membershipRuleProcessingState",
            "onPremisesSyncEnabled",
            "createdDateTime",
            $($more),*
        ]
    };
}
pub(super) use group_properties;

pub(super) const GROUP_PROPERTIES: &[&str] = group_properties!();

const GROUPS: ListSpec = ListSpec::graph("groups", GROUP_PROPERTIES);
const GROUP: ListSpec = GROUPS.entity();

/// Graph's limit on a dynamic membership rule.
const MAX_MEMBERSHIP_RULE: usize = 3072;

graph_body! {
    struct NewGroupBody {
        display_name: String,
        #[serde(default)]
        description: Option<String>,
        /// `[]` for a security group, `["Unified"]` for a Microsoft 365 group, plus `"DynamicMembership"`.
        #[serde(default)]
        group_types: Vec<String>,
        security_enabled: bool,
        #[serde(default)]
        mail_enabled: Option<bool>,
        /// Accepted for compatibility with Graph scripts; Stint keeps no mailbox.
        #[serde(default)]
        mail_nickname: Option<String>,
        #[serde(default)]
        is_assignable_to_role: Option<bool>,
        #[serde(default)]
        membership_rule: Option<String>,
        #[serde(default)]
        membership_rule_processing_state: Option<String>,
        /// `true` marks a group mastered by an external directory (`synced`, SPEC D2).
        #[serde(default)]
        on_premises_sync_enabled: Option<bool>,
    }
}

graph_patch_body! {
    struct GroupPatchBody {
        display_name: String,
        description: String,
        /// Set when the group is created; a different value is refused (SPEC D2).
        is_assignable_to_role: bool,
        membership_rule: String,
    }
}

/// The `groupTypes` values Stint knows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum GroupType {
    Unified,
    DynamicMembership,
}

impl FromStr for GroupType {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        if text.eq_ignore_ascii_case("Unified") {
            Ok(GroupType::Unified)
        } else if text.eq_ignore_ascii_case("DynamicMembership") {
            Ok(GroupType::DynamicMembership)
        } else {
            Err(())
        }
    }
}

/// `membershipRuleProcessingState`: Stint evaluates no rules, so only `On` is meaningful.
struct ProcessingOn;

impl FromStr for ProcessingOn {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        text.eq_ignore_ascii_case("On")
            .then_some(ProcessingOn)
            .ok_or(())
    }
}

/// Creates a security or Microsoft 365 group (SPEC D2, D3).
#[utoipa::path(post, path = "/v1.0/groups", tag = "directory", request_body = NewGroupBody,
    responses((status = 201, description = "The new group"),
              (status = 400, description = "Invalid body, or the role-assignable group limit is reached"),
              (status = 403, description = "The caller may not create this group")))]
async fn create_group(
    call: Call,
    GraphJson(body): GraphJson<NewGroupBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let input = new_group(body)?;
    let created = call
        .app()
        .create_group(&call.session, &call.meta, input)
        .await?;
    Ok(call.created(&GROUPS, shape::group(&created.value)))
}

/// Lists the groups that exist, sorted by display name.
#[utoipa::path(get, path = "/v1.0/groups", tag = "directory", params(ListOptions),
    responses((status = 200, description = "A collection of groups"),
              InvalidQuery))]
async fn list_groups(call: Call) -> ApiResult<Json<Value>> {
    let query = call.query(&GROUPS)?;
    let view = call.view();
    let groups = view.live_groups_in_order();
    call.collection_in_order("/v1.0/groups", &GROUPS, &query, groups, shape::group)
}

/// Reads a group.
#[utoipa::path(get, path = "/v1.0/groups/{id}", tag = "directory",
    params(GroupPath, SelectOption),
    responses((status = 200, description = "The group"),
              (status = 400, description = "The id is not a GUID"),
              NoSuchGroup))]
async fn get_group(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id: GroupId = wire::parse_id("id", &id)?;
    let query = call.query(&GROUP)?;
    let group = call.view().live_group(id).map(shape::group);
    Ok(call.entity(&GROUP, &query, group.ok_or_else(|| group_not_found(id))?))
}

/// Changes a group's displayName, description or membershipRule (SPEC D2).
#[utoipa::path(patch, path = "/v1.0/groups/{id}", tag = "directory", request_body = GroupPatchBody,
    params(GroupPath),
    responses(Changed,
              (status = 400, description = "Invalid body, or isAssignableToRole would change"),
              (status = 403, description = "The caller may not change this group"),
              NoSuchGroup))]
async fn update_group(
    call: Call,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<GroupPatchBody>,
) -> ApiResult<StatusCode> {
    let id: GroupId = wire::parse_id("id", &id)?;
    let patch = GroupPatch {
        display_name: wire::not_null("displayName", body.display_name)?
            .map(|name| wire::required_text("displayName", name, MAX_NAME))
            .transpose()?,
        description: body
            .description
            .map(|text| wire::optional_text("description", text, MAX_DESCRIPTION))
            .transpose()?,
        is_assignable_to_role: wire::not_null("isAssignableToRole", body.is_assignable_to_role)?,
        membership_rule: body
            .membership_rule
            .map(|rule| wire::optional_text("membershipRule", rule, MAX_MEMBERSHIP_RULE))
            .transpose()?,
    };
    let app = call.app();
    app.update_group(&call.session, &call.meta, id, patch)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a group; PIM ends its schedules and cancels its pending requests (SPEC P5).
#[utoipa::path(delete, path = "/v1.0/groups/{id}", tag = "directory",
    params(GroupPath),
    responses((status = 204, description = "Deleted"),
              (status = 403, description = "The caller may not delete this group"),
              NoSuchGroup))]
async fn delete_group(call: Call, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id: GroupId = wire::parse_id("id", &id)?;
    call.app()
        .delete_group(&call.session, &call.meta, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) fn group_not_found(id: GroupId) -> ApiError {
    ApiError::not_found(format!("Group '{id}'"))
}

/// Reads Graph's group body into Stint's new group, refusing what Stint does not model.
fn new_group(body: NewGroupBody) -> ApiResult<NewGroup> {
    let display_name = wire::required_text("displayName", body.display_name, MAX_NAME)?;
    let description = wire::optional_text("description", body.description, MAX_DESCRIPTION)?;
    wire::optional_text("mailNickname", body.mail_nickname, MAX_MAIL_NICKNAME)?;
    let types = body
        .group_types
        .iter()
        .map(|text| {
            wire::parse_enum::<GroupType>("groupTypes", text, &["Unified", "DynamicMembership"])
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let kind = if types.contains(&GroupType::Unified) {
        GroupKind::Microsoft365
    } else {
        GroupKind::Security
    };
    if kind == GroupKind::Security && !body.security_enabled {
        return Err(ApiError::invalid_field(
            "securityEnabled",
            "a group that is not 'Unified' and not security-enabled is a distribution group. Stint manages security and Microsoft 365 groups only.",
        ));
    }
    match (kind, body.mail_enabled) {
        (GroupKind::Security, Some(true)) => {
            return Err(ApiError::invalid_field(
                "mailEnabled",
                "mail-enabled security groups are not supported; send mailEnabled false, or groupTypes [\"Unified\"] for a Microsoft 365 group.",
            ))
        }
        (GroupKind::Microsoft365, Some(false)) => {
            return Err(ApiError::invalid_field(
                "mailEnabled",
                "a Microsoft 365 ('Unified') group is always mail-enabled; send mailEnabled true.",
            ))
        }
        _ => {}
    }
    let is_assignable_to_role = body.is_assignable_to_role.unwrap_or(false);
    if is_assignable_to_role && !body.security_enabled {
        return Err(ApiError::invalid_field(
            "isAssignableToRole",
            "a role-assignable group must be security-enabled; send securityEnabled true.",
        ));
    }
    let membership_rule =
        wire::optional_text("membershipRule", body.membership_rule, MAX_MEMBERSHIP_RULE)?;
    let dynamic = types.contains(&GroupType::DynamicMembership);
    if dynamic && membership_rule.is_none() {
        return Err(ApiError::invalid_field(
            "membershipRule",
            "groupTypes contains 'DynamicMembership', so a membershipRule is required.",
        ));
    }
    if !dynamic && membership_rule.is_some() {
        return Err(ApiError::invalid_field(
            "groupTypes",
            "a group with a membershipRule must have 'DynamicMembership' in groupTypes.",
        ));
    }
    if let Some(state) = &body.membership_rule_processing_state {
        wire::parse_enum::<ProcessingOn>("membershipRuleProcessingState", state, &["On"])?;
        if !dynamic {
            return Err(ApiError::invalid_field(
                "membershipRuleProcessingState",
                "it applies only to a dynamic group ('DynamicMembership' in groupTypes).",
            ));
        }
    }
    let source = if body.on_premises_sync_enabled == Some(true) {
        GroupSource::Synced
    } else {
        GroupSource::Cloud
    };
    Ok(NewGroup {
        display_name,
        description,
        kind,
        is_assignable_to_role,
        membership_rule,
        source,
    })
}
