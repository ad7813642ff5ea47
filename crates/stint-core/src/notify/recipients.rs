//! N2, N4: who is mailed about an event, under the nine notification rules of the group's policy.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Event, EventType};
use crate::authz::pim_administrators;
use crate::ids::{GroupId, UserId};
use crate::policy::{Approver, NotificationLevel, NotificationSetting};
use crate::policy_rules::RecipientType;
use crate::request::{Approval, RequestAction};
use crate::schedule::ScheduleKind;
use crate::State;

/// N4: the most recipients one event is mailed to.
pub const MAX_RECIPIENTS: usize = 1000;

/// One mail's addressee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MailRecipient {
    pub address: String,
    /// The user's display name; `None` for an additional recipient given as an address.
    pub name: Option<String>,
    /// Whom the mail is written for: the group's administrators, the requester (or assignee),
    /// or an approver.
    pub audience: RecipientType,
}

/// Which three of the nine rules govern an event: those for administrators' eligible
/// assignments, administrators' active assignments, or end users' activations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RuleBlock {
    AdminEligibility = 0,
    AdminAssignment = 1,
    EndUserAssignment = 2,
}

impl RuleBlock {
    fn of(event: &Event) -> RuleBlock {
        let activation = matches!(
            event.action,
            Some(RequestAction::SelfActivate | RequestAction::SelfDeactivate)
        );
        if activation || event.kind == EventType::AssignmentActivated {
            RuleBlock::EndUserAssignment
        } else if event.assignment == ScheduleKind::Eligible {
            RuleBlock::AdminEligibility
        } else {
            RuleBlock::AdminAssignment
        }
    }

    fn setting(
        self,
        settings: &[NotificationSetting],
        audience: RecipientType,
    ) -> Option<&NotificationSetting> {
        let offset = match audience {
            RecipientType::Admin => 0,
            RecipientType::Requestor => 1,
            RecipientType::Approver => 2,
        };
        settings.get(self as usize * 3 + offset)
    }
}

/// The audiences an event speaks to, the one that must act first.
fn audiences(kind: EventType) -> &'static [RecipientType] {
    use RecipientType::*;
    match kind {
        EventType::RequestPendingApproval => &[Approver, Requestor],
        EventType::RequestApproved | EventType::RequestDenied | EventType::RequestTimedOut => {
            &[Requestor]
        }
        EventType::RequestCanceled => &[Approver],
        EventType::AssignmentDeactivated => &[],
        EventType::EligibilityAssigned
        | EventType::EligibilityRemoved
        | EventType::AssignmentAssigned
        | EventType::AssignmentActivated
        | EventType::AssignmentExpired
        | EventType::AssignmentRemoved
        | EventType::ReminderExpiringSoon => &[Requestor, Admin],
    }
}

/// The PIM administrators (P2) of each group asked about, found once: a decision that reminds
/// thousands of members of one group asks for that group's administrators each time.
#[derive(Debug, Default)]
pub struct Administrators(HashMap<GroupId, Vec<UserId>>);

impl Administrators {
    fn of(&mut self, state: &State, group: GroupId, now: DateTime<Utc>) -> Vec<UserId> {
        let found = self.0.entry(group).or_insert_with(|| {
            state
                .groups
                .get(&group)
                .map(|group| pim_administrators(state, group, now))
                .unwrap_or_default()
        });
        found.clone()
    }
}

/// N2: the addresses `event` is mailed to, each once, at most [`MAX_RECIPIENTS`] (N4). `approval`
/// is the approval of the request the event is about, when it has one.
pub fn mail_recipients(
    state: &State,
    event: &Event,
    approval: Option<&Approval>,
    now: DateTime<Utc>,
    administrators: &mut Administrators,
) -> Vec<MailRecipient> {
    let settings = state.policy_settings(event.group.id, event.access);
    let block = RuleBlock::of(event);
    // E5 tells of assignments ending; an activation ends within hours, by design, untold.
    if event.kind == EventType::AssignmentExpired && block == RuleBlock::EndUserAssignment {
        return Vec::new();
    }
    let mut chosen = Recipients::default();
    for &audience in audiences(event.kind) {
        let Some(setting) = block.setting(&settings.notifications, audience) else {
            continue;
        };
        let sent = match setting.level() {
            NotificationLevel::None => false,
            NotificationLevel::Critical => event.kind.needs_action(),
            NotificationLevel::All => true,
        };
        if !sent {
            continue;
        }
        if setting.default_recipients {
            let people = default_recipients(state, event, approval, audience, now, administrators);
            for user in people {
                chosen.add_user(state, user, audience);
            }
        }
        for address in &setting.additional_recipients {
            chosen.add(address, None, audience);
        }
    }
    chosen.list
}

/// The people a rule names when its default recipients are on.
fn default_recipients(
    state: &State,
    event: &Event,
    approval: Option<&Approval>,
    audience: RecipientType,
    now: DateTime<Utc>,
    administrators: &mut Administrators,
) -> Vec<UserId> {
    let actor = event.actor.as_ref().map(|actor| actor.id);
    let mut administrators = || administrators.of(state, event.group.id, now);
    let people = match audience {
        RecipientType::Requestor => vec![UserId(event.principal.id.0)],
        // E4: the other administrators; the one who acted knows.
        RecipientType::Admin => administrators(),
        RecipientType::Approver => match approval {
            Some(approval) if approval.by_group_administrators => administrators(),
            Some(approval) => approvers(state, &approval.approvers, now),
            None => Vec::new(),
        },
    };
    let requester = UserId(event.principal.id.0);
    people
        .into_iter()
        .filter(|user| {
            audience == RecipientType::Requestor || (Some(*user) != actor && *user != requester)
        })
        .collect()
}

/// The users an approval stage names, directly or as members of a group.
fn approvers(state: &State, approvers: &[Approver], now: DateTime<Utc>) -> Vec<UserId> {
    let mut users = Vec::new();
    for approver in approvers {
        match approver {
            Approver::User(user) => users.push(*user),
            Approver::MembersOf(group) => users.extend(
                state
                    .transitive_members(*group, now)
                    .into_iter()
                    .map(|principal| UserId(principal.0)),
            ),
        }
    }
    users
}

/// Recipients in the order chosen, each address once, capped (N4).
#[derive(Default)]
struct Recipients {
    list: Vec<MailRecipient>,
    seen: HashSet<String>,
}

impl Recipients {
    fn add_user(&mut self, state: &State, user: UserId, audience: RecipientType) {
        let Some(user) = state.users.get(&user).filter(|user| user.account_enabled) else {
            return;
        };
        if let Some(address) = &user.mail {
            self.add(address, Some(user.display_name.clone()), audience);
        }
    }

    fn add(&mut self, address: &str, name: Option<String>, audience: RecipientType) {
        let address = address.trim();
        if address.is_empty() || self.list.len() >= MAX_RECIPIENTS {
            return;
        }
        if self.seen.insert(address.to_lowercase()) {
            self.list.push(MailRecipient {
                address: address.to_owned(),
                name,
                audience,
            });
        }
    }
}
