//! The body of a schedule request, read as Graph clients send it, and turned into the use case's
//! input with errors that name the field: what every schedule request has, and a group's.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use stint_core::duration::{DurationError, IsoDuration};
use stint_core::request::{Expiration, GroupAccess, RequestAction, RequestedSchedule, TicketInfo};
use stint_core::rules::assignments::RequestInput;
use stint_core::schedule::{at_time_precision, Access};
use stint_core::{ErrorCode, Violation};

use super::{Family, RequestBody};
use crate::error::{ApiError, ApiResult};
use crate::extract::optional_object;
use crate::wire::{parse_enum, parse_id};

const ACTIONS: &[&str] = &[
    "adminAssign",
    "adminUpdate",
    "adminRemove",
    "adminExtend",
    "adminRenew",
    "selfActivate",
    "selfDeactivate",
    "selfExtend",
    "selfRenew",
];
const EXPIRATION_TYPES: &[&str] = &[
    "notSpecified",
    "noExpiration",
    "afterDateTime",
    "afterDuration",
];
const MAX_TICKET_CHARS: usize = 200;

/// A schedule request's body as POSTed: `@odata.type`, the fields that say what is assigned,
/// then those every schedule request has, in Graph's order. `scheduleInfo` and `ticketInfo` are
/// read with the `deserialize_with` function given.
macro_rules! request_body {
    ($(#[$meta:meta])* $name:ident { $($fields:tt)* } objects read by $object:tt) => {
        $(#[$meta])*
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        pub struct $name {
            #[serde(rename = "@odata.type", default)]
            _odata_type: Option<Value>,
            $($fields)*
            #[serde(default, deserialize_with = $object)]
            schedule_info: Option<$crate::routes::schedules::body::ScheduleInfoBody>,
            #[serde(default)]
            justification: Option<String>,
            #[serde(default, deserialize_with = $object)]
            ticket_info: Option<$crate::routes::schedules::body::TicketBody>,
            #[serde(default)]
            is_validation_only: Option<bool>,
            #[serde(default)]
            target_schedule_id: Option<String>,
            #[serde(default)]
            custom_data: Option<String>,
        }
    };
}
pub(super) use request_body;

request_body! {
    /// Graph's `privilegedAccessGroupEligibilityScheduleRequest` /
    /// `privilegedAccessGroupAssignmentScheduleRequest` as POSTed.
    GroupRequestBody {
        access_id: String,
        principal_id: String,
        group_id: String,
        action: String,
    }
    objects read by "optional_object"
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ScheduleInfoBody {
    #[serde(rename = "@odata.type", default)]
    _odata_type: Option<Value>,
    #[serde(default)]
    start_date_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "optional_object")]
    expiration: Option<ExpirationBody>,
    #[serde(default)]
    recurrence: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ExpirationBody {
    #[serde(rename = "@odata.type", default)]
    _odata_type: Option<Value>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    end_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    duration: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TicketBody {
    #[serde(rename = "@odata.type", default)]
    _odata_type: Option<Value>,
    #[serde(default)]
    ticket_number: Option<String>,
    #[serde(default)]
    ticket_system: Option<String>,
}

impl RequestBody for GroupRequestBody {
    type Input = RequestInput;

    fn into_input(self, family: Family) -> ApiResult<RequestInput> {
        let action: RequestAction = parse_enum("action", &self.action, ACTIONS)?;
        let access: Access = parse_enum("accessId", &self.access_id, &["member", "owner"])?;
        check_target_and_custom_data::<stint_core::ids::ScheduleId>(
            self.target_schedule_id.as_deref(),
            self.custom_data.as_deref(),
        )?;
        let group_id = parse_id("groupId", &self.group_id)?;
        let principal_id = parse_id("principalId", &self.principal_id)?;
        let (schedule, ticket) = schedule_and_ticket(self.schedule_info, self.ticket_info)?;
        Ok(RequestInput {
            kind: family.kind(),
            action,
            target: GroupAccess { group_id, access },
            principal_id,
            schedule,
            justification: self.justification,
            ticket,
            is_validation_only: self.is_validation_only.unwrap_or(false),
        })
    }
}

/// `targetScheduleId`, if given, is an id of `Id`; `customData` is at most 1024 bytes.
pub(crate) fn check_target_and_custom_data<Id: std::str::FromStr>(
    target: Option<&str>,
    custom_data: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(target) = target {
        parse_id::<Id>("targetScheduleId", target)?;
    }
    if custom_data.is_some_and(|data| data.len() > 1024) {
        return Err(ApiError::invalid_field(
            "customData",
            "at most 1024 characters.",
        ));
    }
    Ok(())
}

/// `scheduleInfo` and `ticketInfo`, read in that order.
pub(crate) fn schedule_and_ticket(
    schedule_info: Option<ScheduleInfoBody>,
    ticket_info: Option<TicketBody>,
) -> Result<(Option<RequestedSchedule>, Option<TicketInfo>), ApiError> {
    let schedule = schedule_info
        .map(ScheduleInfoBody::into_schedule)
        .transpose()?;
    let ticket = ticket_info.map(TicketBody::into_ticket).transpose()?;
    Ok((schedule, ticket))
}

impl ScheduleInfoBody {
    fn into_schedule(self) -> Result<RequestedSchedule, ApiError> {
        if self.recurrence.as_ref().is_some_and(|r| !r.is_null()) {
            return Err(invalid_request(
                "scheduleInfo.recurrence",
                "Recurring schedules are not supported; leave scheduleInfo.recurrence out or null.",
            ));
        }
        let expiration = match self.expiration {
            Some(expiration) => expiration.into_expiration()?,
            None => Expiration::NotSpecified,
        };
        Ok(RequestedSchedule {
            start: self.start_date_time.map(at_time_precision),
            expiration,
        })
    }
}

impl ExpirationBody {
    fn into_expiration(self) -> Result<Expiration, ApiError> {
        let kind = match &self.kind {
            Some(kind) => parse_expiration_type(kind)?,
            None if self.end_date_time.is_some() => "afterDateTime",
            None if self.duration.is_some() => "afterDuration",
            None => "noExpiration",
        };
        match (kind, self.end_date_time, self.duration) {
            ("afterDateTime", Some(end), None) => {
                Ok(Expiration::AfterDateTime(at_time_precision(end)))
            }
            ("afterDateTime", None, _) => Err(invalid_request(
                "scheduleInfo.expiration.endDateTime",
                "An expiration of type afterDateTime needs scheduleInfo.expiration.endDateTime.",
            )),
            ("afterDuration", None, Some(duration)) => Ok(Expiration::AfterDuration(parse_duration(&duration)?)),
            ("afterDuration", _, None) => Err(invalid_request(
                "scheduleInfo.expiration.duration",
                "An expiration of type afterDuration needs scheduleInfo.expiration.duration, e.g. PT8H.",
            )),
            ("noExpiration" | "notSpecified", None, None) => Ok(if kind == "noExpiration" {
                Expiration::NoExpiration
            } else {
                Expiration::NotSpecified
            }),
            _ => Err(invalid_request(
                "scheduleInfo.expiration",
                "Give either endDateTime (type afterDateTime) or duration (type afterDuration), not both, and neither for noExpiration.",
            )),
        }
    }
}

fn parse_expiration_type(text: &str) -> Result<&'static str, ApiError> {
    EXPIRATION_TYPES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(text))
        .copied()
        .ok_or_else(|| {
            ApiError::invalid_field(
                "scheduleInfo.expiration.type",
                format!(
                    "'{}' is not one of {}.",
                    text.chars().take(40).collect::<String>(),
                    EXPIRATION_TYPES.join(", ")
                ),
            )
        })
}

fn parse_duration(text: &str) -> Result<IsoDuration, ApiError> {
    text.parse().map_err(|error: DurationError| {
        invalid_request("scheduleInfo.expiration.duration", &error.to_string())
    })
}

impl TicketBody {
    fn into_ticket(self) -> Result<TicketInfo, ApiError> {
        for (field, value) in [
            ("ticketInfo.ticketNumber", &self.ticket_number),
            ("ticketInfo.ticketSystem", &self.ticket_system),
        ] {
            if value
                .as_ref()
                .is_some_and(|v| v.chars().count() > MAX_TICKET_CHARS)
            {
                return Err(ApiError::invalid_field(
                    field,
                    format!("at most {MAX_TICKET_CHARS} characters."),
                ));
            }
        }
        Ok(TicketInfo {
            number: self.ticket_number,
            system: self.ticket_system,
        })
    }
}

/// `InvalidRoleAssignmentRequest`, Graph's code for a malformed schedule.
fn invalid_request(field: &'static str, message: &str) -> ApiError {
    Violation::new(
        ErrorCode::InvalidRoleAssignmentRequest,
        format!("The role assignment request is invalid: {message}"),
    )
    .field(field)
    .into()
}
