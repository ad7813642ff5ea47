//! N1–N4 and E5: which events a decision tells of, and to whom.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::*;
use crate::directory::BuiltInRole::*;
use crate::ids::UserId;
use crate::policy::{Approver, NotificationSetting};
use crate::policy_rules::RecipientType;
use crate::request::ScheduleRequest;
use crate::rules::activation::self_request;
use crate::rules::approval::{review, Review};
use crate::rules::assignments::admin_request;
use crate::rules::fixture::*;
use crate::rules::requests::cancel;
use crate::rules::scheduler::Tick;
use crate::schedule::{Access, ScheduleKind, Window};
use crate::webhook::{Webhook, WebhookFormat, WebhookSecret};
use crate::Change;

const MAIL_ON: Channels = Channels { mail: true };

/// Ids for planned messages, from a counter, so the tests stay deterministic.
fn next_id() -> Uuid {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1 << 32);
    Uuid::from_u128(u128::from(
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
    ))
}

struct Setup {
    f: Fixture,
    /// A Global Administrator with a mailbox.
    admin: UserId,
    /// A second Global Administrator with a mailbox.
    other_admin: UserId,
    /// Eligible member of `group` from `t0 - 1 day` for 90 days.
    alice: UserId,
    /// The approver of member activations.
    carol: UserId,
    group: GroupId,
}

fn setup() -> Setup {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let other_admin = f.admin("olga", PrivilegedRoleAdministrator);
    let alice = f.user("alice");
    let carol = f.user("carol");
    for user in [admin, other_admin, alice, carol] {
        give_mail(&mut f, user);
    }
    let group = f.group("Finance");
    f.managed(group);
    f.eligible_member(group, alice);
    f.policy(group, Access::Member, |s| {
        s.approval.required = true;
        s.approval.approvers = vec![Approver::User(carol)];
    });
    Setup {
        f,
        admin,
        other_admin,
        alice,
        carol,
        group,
    }
}

fn give_mail(f: &mut Fixture, user: UserId) {
    let mut account = f.state.users[&user].clone();
    account.mail = Some(format!("{}@mail.test", account.display_name));
    f.state.apply(Change::User(account));
}

fn address(f: &Fixture, user: UserId) -> String {
    f.state.users[&user].mail.clone().expect("a mailbox")
}

/// The decision's messages, planned on the state before it is committed; then committed.
fn planned(f: &mut Fixture, decision: Decision, now: DateTime<Utc>) -> Vec<OutboxMessage> {
    let messages = plan(&f.state, &decision, 7, now, MAIL_ON, next_id);
    f.commit(decision);
    messages
}

/// (event type, address, audience) of every mail, in order.
fn mails(messages: &[OutboxMessage]) -> Vec<(EventType, String, RecipientType)> {
    messages
        .iter()
        .filter_map(|message| match &message.delivery {
            Delivery::Mail(to) => Some((message.event.kind, to.address.clone(), to.audience)),
            Delivery::Webhook { .. } => None,
        })
        .collect()
}

fn submit(s: &mut Setup, now: DateTime<Utc>) -> (ScheduleRequest, Vec<OutboxMessage>) {
    let context = s.f.context(s.alice, now);
    let (decision, request) =
        self_request(&s.f.state, &context, self_activate(s.group, s.alice)).expect("accepted");
    let messages = planned(&mut s.f, decision, now);
    (request, messages)
}

fn decide(s: &mut Setup, request: &ScheduleRequest, approve: bool) -> Vec<OutboxMessage> {
    let stage = request.approval.as_ref().expect("an approval").stage_id;
    let answer = Review {
        approve,
        justification: Some("Looks right.".into()),
        schedule: None,
    };
    let now = t0() + minutes(5);
    let decision = review(
        &s.f.state,
        &s.f.context(s.carol, now),
        request.id,
        stage,
        answer,
    )
    .expect("decided");
    planned(&mut s.f, decision, now)
}

fn set_rule(
    f: &mut Fixture,
    group: GroupId,
    index: usize,
    edit: impl FnOnce(&mut NotificationSetting),
) {
    f.policy(group, Access::Member, |s| {
        s.notifications.resize(9, NotificationSetting::default());
        edit(&mut s.notifications[index]);
    });
}

/// The index of `Notification_Approver_EndUser_Assignment` and its neighbours.
const ADMIN_END_USER: usize = 6;
const APPROVER_END_USER: usize = 8;
const REQUESTOR_ADMIN_ELIGIBILITY: usize = 1;

#[test]
fn n1_a_pending_activation_mails_the_approver_to_act_and_tells_the_requester() {
    let mut s = setup();
    let (_, messages) = submit(&mut s, t0());
    assert_eq!(
        mails(&messages),
        vec![
            (
                EventType::RequestPendingApproval,
                address(&s.f, s.carol),
                RecipientType::Approver
            ),
            (
                EventType::RequestPendingApproval,
                address(&s.f, s.alice),
                RecipientType::Requestor
            ),
        ]
    );
    let event = &messages[0].event;
    assert_eq!(event.group.name, "Finance");
    assert_eq!(event.principal.name, "alice");
    assert_eq!(event.actor.as_ref().map(|a| a.id), Some(s.alice));
    assert_eq!(event.justification.as_deref(), Some(JUSTIFICATION));
    assert_eq!(event.revision, 7);
    assert_eq!(event.end, Some(t0() + hours(2)));
}

#[test]
fn n2_an_approver_named_twice_is_mailed_once() {
    let mut s = setup();
    let approvers_group = s.f.group("Approvers");
    s.f.member(approvers_group, s.carol);
    let carol = s.carol;
    s.f.policy(s.group, Access::Member, |p| {
        p.approval.approvers = vec![Approver::User(carol), Approver::MembersOf(approvers_group)];
    });
    let (_, messages) = submit(&mut s, t0());
    let to_carol = mails(&messages)
        .into_iter()
        .filter(|(_, to, _)| *to == address(&s.f, carol))
        .count();
    assert_eq!(to_carol, 1);
}

#[test]
fn n1_approval_tells_the_requester_and_the_administrators_of_the_activation() {
    let mut s = setup();
    let (request, _) = submit(&mut s, t0());
    let messages = decide(&mut s, &request, true);
    let mails = mails(&messages);
    assert!(mails.contains(&(
        EventType::RequestApproved,
        address(&s.f, s.alice),
        RecipientType::Requestor
    )));
    for admin in [s.admin, s.other_admin] {
        assert!(mails.contains(&(
            EventType::AssignmentActivated,
            address(&s.f, admin),
            RecipientType::Admin
        )));
    }
    let approved = messages
        .iter()
        .find(|m| m.event.kind == EventType::RequestApproved)
        .expect("an approved event");
    assert_eq!(approved.event.reason.as_deref(), Some("Looks right."));
    assert_eq!(approved.event.actor.as_ref().map(|a| a.id), Some(s.carol));
}

#[test]
fn n1_denial_tells_the_requester() {
    let mut s = setup();
    let (request, _) = submit(&mut s, t0());
    let messages = decide(&mut s, &request, false);
    assert_eq!(
        mails(&messages),
        vec![(
            EventType::RequestDenied,
            address(&s.f, s.alice),
            RecipientType::Requestor
        )]
    );
}

#[test]
fn n1_a_request_undecided_for_a_day_is_told_as_timed_out() {
    let mut s = setup();
    submit(&mut s, t0());
    let later = t0() + days(1) + minutes(1);
    let decision = Tick::new(&s.f.state, later, next_id).deny_overdue_approvals();
    let messages = planned(&mut s.f, decision, later);
    assert_eq!(
        mails(&messages),
        vec![(
            EventType::RequestTimedOut,
            address(&s.f, s.alice),
            RecipientType::Requestor
        )]
    );
    assert_eq!(messages[0].event.actor, None);
}

#[test]
fn n1_a_canceled_request_tells_its_approvers() {
    let mut s = setup();
    let (request, _) = submit(&mut s, t0());
    let now = t0() + minutes(1);
    let context = s.f.context(s.alice, now);
    let decision =
        cancel(&s.f.state, &context, request.id, ScheduleKind::Active).expect("canceled");
    let messages = planned(&mut s.f, decision, now);
    assert_eq!(
        mails(&messages),
        vec![(
            EventType::RequestCanceled,
            address(&s.f, s.carol),
            RecipientType::Approver
        )]
    );
}

#[test]
fn n2_critical_level_keeps_the_approval_request_and_drops_the_activation_alert() {
    let mut s = setup();
    let group = s.group;
    for index in [ADMIN_END_USER, APPROVER_END_USER] {
        set_rule(&mut s.f, group, index, |rule| {
            rule.set_level(crate::policy::NotificationLevel::Critical);
        });
    }
    let (request, pending) = submit(&mut s, t0());
    assert!(mails(&pending).contains(&(
        EventType::RequestPendingApproval,
        address(&s.f, s.carol),
        RecipientType::Approver
    )));
    let approved = decide(&mut s, &request, true);
    assert!(
        mails(&approved).iter().all(|(kind, _, audience)| {
            (*kind, *audience) != (EventType::AssignmentActivated, RecipientType::Admin)
        }),
        "no activation alert to administrators"
    );
}

#[test]
fn n2_additional_recipients_receive_and_default_recipients_can_be_turned_off() {
    let mut s = setup();
    let group = s.group;
    set_rule(&mut s.f, group, APPROVER_END_USER, |rule| {
        rule.default_recipients = false;
        rule.additional_recipients = vec!["pim-desk@mail.test".into()];
    });
    let (_, messages) = submit(&mut s, t0());
    let approver_mails: Vec<String> = mails(&messages)
        .into_iter()
        .filter(|(_, _, audience)| *audience == RecipientType::Approver)
        .map(|(_, to, _)| to)
        .collect();
    assert_eq!(approver_mails, vec!["pim-desk@mail.test".to_string()]);
}

#[test]
fn n2_a_rule_turned_off_sends_nothing() {
    let mut s = setup();
    let (group, bob) = (s.group, s.f.user("bob"));
    give_mail(&mut s.f, bob);
    set_rule(&mut s.f, group, REQUESTOR_ADMIN_ELIGIBILITY, |rule| {
        rule.set_level(crate::policy::NotificationLevel::None);
    });
    let context = s.f.context(s.admin, t0());
    let (decision, _) =
        admin_request(&s.f.state, &context, eligible(group, bob)).expect("assigned");
    let messages = planned(&mut s.f, decision, t0());
    let mails = mails(&messages);
    assert!(mails.iter().all(|(_, to, _)| *to != address(&s.f, bob)));
    assert_eq!(
        mails,
        vec![(
            EventType::EligibilityAssigned,
            address(&s.f, s.other_admin),
            RecipientType::Admin
        )],
        "the other administrator still hears of it; the one who acted does not"
    );
}

#[test]
fn n4_an_event_is_mailed_to_at_most_a_thousand_recipients() {
    let mut s = setup();
    let group = s.group;
    set_rule(&mut s.f, group, APPROVER_END_USER, |rule| {
        rule.additional_recipients = (0..1500).map(|n| format!("desk{n}@mail.test")).collect();
    });
    let (_, messages) = submit(&mut s, t0());
    let pending = mails(&messages)
        .into_iter()
        .filter(|(kind, _, _)| *kind == EventType::RequestPendingApproval)
        .count();
    assert_eq!(pending, MAX_RECIPIENTS);
}

#[test]
fn n3_a_webhook_receives_the_events_it_subscribed_to_and_no_others() {
    let mut s = setup();
    let webhook = Webhook {
        id: crate::webhook::WebhookId(Uuid::from_u128(999)),
        url: "https://hooks.test/stint".into(),
        events: vec![EventType::RequestApproved],
        format: WebhookFormat::Standard,
        secret: WebhookSecret("whsec_c2VjcmV0".into()),
        created_at: t0(),
        created_by: s.admin,
        deleted_at: None,
    };
    s.f.state.apply(Change::Webhook(webhook.clone()));
    let (request, pending) = submit(&mut s, t0());
    assert!(pending
        .iter()
        .all(|m| !matches!(m.delivery, Delivery::Webhook { .. })));
    let approved = decide(&mut s, &request, true);
    let calls: Vec<EventType> = approved
        .iter()
        .filter(|m| {
            m.delivery
                == Delivery::Webhook {
                    subscription: webhook.id,
                }
        })
        .map(|m| m.event.kind)
        .collect();
    assert_eq!(calls, vec![EventType::RequestApproved]);
    assert!(
        !format!("{webhook:?}").contains("c2VjcmV0"),
        "the secret stays out of Debug"
    );
}

fn reminder_setup(length: chrono::TimeDelta) -> (Setup, ScheduleId) {
    let mut s = setup();
    let bob = s.f.user("bob");
    give_mail(&mut s.f, bob);
    let id = s.f.schedule(
        s.group,
        bob,
        Access::Member,
        ScheduleKind::Eligible,
        Window {
            start: t0(),
            end: Some(t0() + length),
        },
    );
    (s, id)
}

fn remind_at(s: &mut Setup, now: DateTime<Utc>) -> Vec<OutboxMessage> {
    let decision = Tick::new(&s.f.state, now, next_id).send_reminders();
    planned(&mut s.f, decision, now)
}

#[test]
fn e5_reminders_come_fourteen_days_and_one_day_before_the_end_once_each() {
    let (mut s, id) = reminder_setup(days(30));
    let end = t0() + days(30);
    assert!(remind_at(&mut s, end - days(14) - minutes(1)).is_empty());
    let first = remind_at(&mut s, end - days(14));
    let reminded: Vec<String> = mails(&first)
        .into_iter()
        .filter(|(kind, _, _)| *kind == EventType::ReminderExpiringSoon)
        .map(|(_, to, _)| to)
        .collect();
    assert!(reminded.contains(&"bob@mail.test".to_string()));
    assert!(reminded.contains(&address(&s.f, s.admin)));
    assert!(remind_at(&mut s, end - days(2)).is_empty(), "sent once");
    assert_eq!(
        mails(&remind_at(&mut s, end - days(1))).len(),
        reminded.len()
    );
    assert!(remind_at(&mut s, end - hours(1)).is_empty());
    assert_eq!(s.f.state.schedules[&id].reminders_sent, 2);
}

#[test]
fn e5_a_reminder_due_before_the_assignment_was_made_is_never_sent() {
    let (mut s, id) = reminder_setup(days(10));
    assert_eq!(
        next_reminder(&s.f.state.schedules[&id]),
        Some(t0() + days(9))
    );
    assert!(remind_at(&mut s, t0() + days(5)).is_empty());
}

#[test]
fn e5_after_a_long_pause_only_the_latest_reminder_is_sent() {
    let (mut s, id) = reminder_setup(days(30));
    let messages = remind_at(&mut s, t0() + days(29) + hours(12));
    assert!(!messages.is_empty());
    assert_eq!(s.f.state.schedules[&id].reminders_sent, 2);
    assert!(remind_at(&mut s, t0() + days(29) + hours(13)).is_empty());
}

#[test]
fn e5_the_expiry_itself_tells_the_principal_and_the_administrators() {
    let (mut s, _) = reminder_setup(days(30));
    let end = t0() + days(30);
    let decision = Tick::new(&s.f.state, end, next_id).record_expiries();
    let expired: Vec<String> = mails(&planned(&mut s.f, decision, end))
        .into_iter()
        .filter(|(kind, _, _)| *kind == EventType::AssignmentExpired)
        .map(|(_, to, _)| to)
        .collect();
    assert!(expired.contains(&"bob@mail.test".to_string()));
    assert!(expired.contains(&address(&s.f, s.other_admin)));
}

#[test]
fn n1_decisions_that_change_no_assignment_send_nothing() {
    let s = setup();
    let decision = Decision::new();
    assert!(plan(&s.f.state, &decision, 1, t0(), MAIL_ON, next_id).is_empty());
}

#[test]
fn n3_without_an_smtp_server_no_mail_is_planned_but_webhooks_are() {
    let mut s = setup();
    let admin = s.admin;
    s.f.state.apply(Change::Webhook(Webhook {
        id: crate::webhook::WebhookId(Uuid::from_u128(998)),
        url: "https://hooks.test/all".into(),
        events: EventType::ALL.to_vec(),
        format: WebhookFormat::Slack,
        secret: WebhookSecret("whsec_c2VjcmV0".into()),
        created_at: t0(),
        created_by: admin,
        deleted_at: None,
    }));
    let context = s.f.context(s.alice, t0());
    let (decision, _) =
        self_request(&s.f.state, &context, self_activate(s.group, s.alice)).expect("accepted");
    let messages = plan(
        &s.f.state,
        &decision,
        3,
        t0(),
        Channels { mail: false },
        next_id,
    );
    assert_eq!(messages.len(), 1);
    assert!(matches!(messages[0].delivery, Delivery::Webhook { .. }));
}

#[test]
fn e5_the_end_of_an_activation_is_not_mailed() {
    let mut s = setup();
    let group = s.group;
    s.f.policy(group, Access::Member, |p| p.approval.required = false);
    let context = s.f.context(s.alice, t0());
    let (decision, _) =
        self_request(&s.f.state, &context, self_activate(group, s.alice)).expect("activated");
    s.f.commit(decision);
    let end = t0() + hours(2);
    let decision = Tick::new(&s.f.state, end, next_id).record_expiries();
    assert_eq!(
        decision.changes.len(),
        1,
        "the activation's end is recorded"
    );
    let messages = planned(&mut s.f, decision, end);
    assert!(mails(&messages).is_empty(), "{:?}", mails(&messages));
}
