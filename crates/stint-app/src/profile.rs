//! A person's own settings: the time zone the console shows their times in. The rule is
//! `stint_core::rules::profile`.

use stint_core::rules::profile as rules;
use stint_core::time_zone::TimeZone;

use crate::engine::Attempt;
use crate::error::AppResult;
use crate::{App, CallMeta, Committed, Session};

impl App {
    /// The caller chooses the zone their times are shown in; `None` goes back to UTC.
    pub async fn set_time_zone(
        &self,
        session: &Session,
        meta: &CallMeta,
        zone: Option<TimeZone>,
    ) -> AppResult<Committed<()>> {
        let attempt = Attempt::new("user.timeZone.set", "user", session.user)
            .about(None, Some(session.user.into()));
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            rules::set_time_zone(state, ctx, zone)
        })
        .await
    }
}
