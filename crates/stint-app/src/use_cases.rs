//! The shape most use cases share, written once: name the attempt that a refusal is audited as,
//! then decide one rule with the use case's own arguments as the session's user.

/// Each `name(arg: Type, ..) -> Value = decide(attempt, rule);` makes the method
/// `App::name(&self, session, meta, arg, ..) -> AppResult<Committed<Value>>`, which decides
/// `rule(state, ctx, arg, ..)` and audits a refusal as `attempt`. `decide_alone` is for rules
/// that answer no value (`-> ()`).
macro_rules! rule_use_cases {
    ($(
        $(#[$attr:meta])*
        $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $value:ty =
            $decide:ident($attempt:expr, $rule:path);
    )*) => {
        impl $crate::App {
            $(
                $(#[$attr])*
                pub async fn $name(
                    &self,
                    session: &$crate::Session,
                    meta: &$crate::CallMeta,
                    $($arg: $ty),*
                ) -> $crate::error::AppResult<$crate::Committed<$value>> {
                    let attempt: $crate::engine::Attempt = $attempt;
                    self.$decide(session, meta, attempt, move |state, ctx| {
                        $rule(state, ctx, $($arg),*)
                    })
                    .await
                }
            )*
        }
    };
}

pub(crate) use rule_use_cases;
