//! O4: the command line signs in through the provider without ever holding Stint's client
//! secret. Stint stays the provider's only client and acts as the authorization server of its
//! command line (RFC 8252, native apps):
//!
//! 1. `stint login --sso` listens on a loopback port and sends the browser to
//!    `/ui/auth/oidc/cli` with that port's `redirect_uri`, a PKCE S256 `code_challenge` and a
//!    `state`. Only loopback IP literals are accepted ([`CliReturn::parse`]).
//! 2. The usual sign-in at the provider follows ([`App::start_oidc_sign_in`]); at its callback the
//!    person is signed in as in the console (O1, O2, audited) with a token that lives only as long
//!    as a code may ([`CODE_LIFETIME`]), and the browser goes to the loopback address with a code:
//!    that token, sealed with the challenge and the redirect URI. A refusal goes there too, as
//!    `error`, so that the command line can say why.
//! 3. The command line posts the code with its PKCE verifier ([`App::redeem_cli_code`]): the
//!    short-lived token is ended and a token of the usual lifetime issued in one commit. A code
//!    works once, under the store's write lock on any node: a replayed code finds its token ended;
//!    a wrong verifier ends it as well.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, TimeDelta, Utc};
use openidconnect::url::Url;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use stint_core::audit::Outcome;
use stint_core::auth::{AccessToken, TokenHash};
use stint_core::{Change, Decision};

use super::{OidcError, SignedIn};
use crate::auth::{random_token, same_secret, sign_in_event, IssuedToken};
use crate::{App, CallMeta};

/// How long a command-line sign-in code may wait to be redeemed.
pub const CODE_LIFETIME: TimeDelta = TimeDelta::minutes(2);
const CODE_PURPOSE: &[u8] = b"stint-cli-code-v1";

/// Where a command-line sign-in returns to, and what binds its code.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CliReturn {
    pub redirect_uri: String,
    pub code_challenge: String,
    pub state: String,
}

stint_core::redacted_debug!(CliReturn { redirect_uri });

/// The sealed content of a code.
#[derive(Serialize, Deserialize)]
struct CliCode {
    token: String,
    code_challenge: String,
    redirect_uri: String,
    issued_at: DateTime<Utc>,
}

impl CliReturn {
    /// O4: the parameters of `/ui/auth/oidc/cli`, checked; the error names the field.
    pub fn parse(
        redirect_uri: Option<&str>,
        code_challenge: Option<&str>,
        code_challenge_method: Option<&str>,
        state: Option<&str>,
    ) -> Result<CliReturn, String> {
        let redirect_uri = redirect_uri.ok_or("redirect_uri is required")?;
        loopback(redirect_uri)?;
        let code_challenge = code_challenge.ok_or("code_challenge is required")?;
        if code_challenge.len() != 43 || !code_challenge.bytes().all(is_base64url) {
            return Err(
                "code_challenge must be a PKCE S256 challenge (43 base64url characters)".into(),
            );
        }
        if code_challenge_method.is_some_and(|method| method != "S256") {
            return Err("code_challenge_method must be S256".into());
        }
        let state = state.ok_or("state is required")?;
        if state.is_empty() || state.len() > 256 || !state.bytes().all(is_base64url) {
            return Err("state must be 1 to 256 letters, digits, '-' or '_'".into());
        }
        Ok(CliReturn {
            redirect_uri: redirect_uri.to_owned(),
            code_challenge: code_challenge.to_owned(),
            state: state.to_owned(),
        })
    }

    /// The loopback address with `pairs` and the `state` added.
    fn redirect(&self, pairs: &[(&str, &str)]) -> String {
        let Ok(mut url) = Url::parse(&self.redirect_uri) else {
            return self.redirect_uri.clone();
        };
        url.query_pairs_mut()
            .extend_pairs(pairs)
            .append_pair("state", &self.state);
        url.to_string()
    }

    /// Where the browser goes after the provider: the loopback address with a code, or with why
    /// not (RFC 6749 §4.1.2.1).
    pub(super) fn landing(&self, app: &App, outcome: Result<SignedIn, OidcError>) -> String {
        let sealer = match app.oidc() {
            Some(oidc) => &oidc.sealer,
            None => return self.redirect(&[("error", "server_error")]),
        };
        let signed_in = match outcome {
            Ok(signed_in) => signed_in,
            Err(error) => {
                let code = match &error {
                    OidcError::Unavailable | OidcError::App(_) => "temporarily_unavailable",
                    _ => "access_denied",
                };
                return self
                    .redirect(&[("error", code), ("error_description", &error.to_string())]);
            }
        };
        let code = sealer.seal_for(
            CODE_PURPOSE,
            &CliCode {
                token: signed_in.token.token,
                code_challenge: self.code_challenge.clone(),
                redirect_uri: self.redirect_uri.clone(),
                issued_at: app.now(),
            },
        );
        self.redirect(&[("code", &code)])
    }
}

/// RFC 8252 §7.3: `http` to a loopback IP literal, any port; not `localhost`, which a resolver
/// or a hosts file may send elsewhere.
fn loopback(uri: &str) -> Result<(), String> {
    const MUST: &str = "redirect_uri must be http://127.0.0.1:PORT/… or http://[::1]:PORT/…";
    let url = Url::parse(uri).map_err(|_| MUST.to_string())?;
    let is_loopback = match url.host() {
        Some(openidconnect::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(openidconnect::url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    if url.scheme() != "http"
        || !is_loopback
        || url.port().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.fragment().is_some()
    {
        return Err(MUST.into());
    }
    Ok(())
}

fn is_base64url(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// RFC 7636 §4.6: `verifier` is the one whose S256 challenge is `challenge`.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| is_base64url(b) || b == b'.' || b == b'~');
    well_formed && same_secret(&URL_SAFE_NO_PAD.encode(Sha256::digest(verifier)), challenge)
}

impl App {
    /// O4: a code of a command-line sign-in, with its PKCE verifier and the redirect URI it was
    /// sent to, for a bearer token of the usual lifetime. Refusals are audited and say nothing of
    /// why to the caller ([`OidcError::Invalid`]).
    pub async fn redeem_cli_code(
        &self,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
        meta: &CallMeta,
    ) -> Result<IssuedToken, OidcError> {
        let oidc = self.oidc().ok_or(OidcError::NotConfigured)?;
        let Some(sealed) = oidc.sealer.open_for::<CliCode>(CODE_PURPOSE, code) else {
            self.record_rejected_code(meta).await?;
            return Err(OidcError::Invalid);
        };
        let hash = TokenHash::of(&sealed.token);
        let bound =
            pkce_matches(verifier, &sealed.code_challenge) && sealed.redirect_uri == redirect_uri;
        let token = random_token();
        let issued = TokenHash::of(&token);
        let lifetime = self.config.token_lifetime;
        let meta = meta.clone();
        let (result, _) = self
            .write(move |state, now| {
                let interim = state
                    .tokens
                    .get(&hash)
                    .filter(|token| token.is_valid_at(now));
                let Some(interim) = interim else {
                    let mut event = sign_in_event(&meta, now, None, Outcome::Failure);
                    event.action = "auth.signInFailed".into();
                    event.message = "Refused a command-line sign-in code: it was used already or has expired.".into();
                    return (Decision::new().audit(event), Err(()));
                };
                let user = interim.user_id;
                let mut decision = Decision::new().change(Change::TokenRevoked(hash.clone()));
                if !bound {
                    let mut event = sign_in_event(&meta, now, Some(user), Outcome::Failure);
                    event.action = "auth.signInFailed".into();
                    event.message = "Refused a command-line sign-in code: its PKCE verifier or redirect URI did not match; the code no longer works.".into();
                    return (decision.audit(event), Err(()));
                }
                let mut event = sign_in_event(&meta, now, Some(user), Outcome::Success);
                event.action = "auth.tokenIssued".into();
                event.message =
                    "Issued a token to the command line for its sign-in through the identity provider.".into();
                decision = decision
                    .change(Change::Token(AccessToken {
                        hash: issued,
                        user_id: user,
                        issued_at: now,
                        expires_at: now + lifetime,
                        mfa_at: interim.mfa_at,
                    }))
                    .audit(event);
                (decision, Ok(()))
            })
            .await?;
        result.map_err(|()| OidcError::Invalid)?;
        Ok(IssuedToken {
            token,
            expires_in: lifetime,
        })
    }

    /// A code that does not open: not sealed by this deployment, changed, or not a code at all.
    async fn record_rejected_code(&self, meta: &CallMeta) -> Result<(), OidcError> {
        let mut event = sign_in_event(meta, self.now(), None, Outcome::Failure);
        event.action = "auth.signInFailed".into();
        event.message =
            "Refused a command-line sign-in code: it is not a code Stint issued.".into();
        self.write(move |_, _| (Decision::new().audit(event), ()))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn parse(uri: &str) -> Result<CliReturn, String> {
        CliReturn::parse(Some(uri), Some(CHALLENGE), Some("S256"), Some("st-1"))
    }

    #[test]
    fn o4_only_loopback_ip_literals_with_a_port_are_accepted() {
        assert!(parse("http://127.0.0.1:4711/callback").is_ok());
        assert!(parse("http://[::1]:4711/callback").is_ok());
        for refused in [
            "https://evil.example/callback",
            "http://localhost:4711/callback",
            "http://127.0.0.1/callback",
            "http://127.0.0.1.evil.example:4711/",
            "http://user@127.0.0.1:4711/",
            "https://127.0.0.1:4711/",
            "http://10.0.0.1:4711/",
            "http://127.0.0.1:4711/#x",
            "/ui/my-roles",
        ] {
            let error = parse(refused).unwrap_err();
            assert!(error.starts_with("redirect_uri"), "{refused}: {error}");
        }
    }

    #[test]
    fn o4_the_challenge_must_be_s256_and_the_state_plain() {
        let uri = Some("http://127.0.0.1:4711/callback");
        let plain = CliReturn::parse(uri, Some(CHALLENGE), Some("plain"), Some("s"));
        assert!(plain.unwrap_err().contains("code_challenge_method"));
        let short = CliReturn::parse(uri, Some("abc"), None, Some("s"));
        assert!(short.unwrap_err().contains("code_challenge"));
        let state = CliReturn::parse(uri, Some(CHALLENGE), None, Some("a b"));
        assert!(state.unwrap_err().contains("state"));
    }

    #[test]
    fn o4_the_rfc_7636_example_verifier_matches_its_challenge_and_no_other() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(pkce_matches(verifier, CHALLENGE));
        assert!(!pkce_matches(&verifier.replace('d', "e"), CHALLENGE));
        assert!(!pkce_matches("", CHALLENGE));
    }

    #[test]
    fn o4_a_refusal_goes_back_with_the_state_and_debug_shows_no_state() {
        let back = parse("http://127.0.0.1:4711/callback?x=1").unwrap();
        let url = back.redirect(&[("error", "access_denied")]);
        assert_eq!(
            url,
            "http://127.0.0.1:4711/callback?x=1&error=access_denied&state=st-1"
        );
        assert!(!format!("{back:?}").contains("st-1"));
    }
}
