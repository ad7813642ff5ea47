//! `stint serve`'s settings of sign-in through the organisation's OpenID Provider (O1–O3).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use stint_app::config::{ClientSecret, OidcSettings};
use stint_core::rules::federation::{Enrolment, LocalSignIn};

#[derive(Debug, Args)]
pub struct OidcArgs {
    /// The OpenID Provider people sign in through (its issuer URL, e.g.
    /// `https://login.microsoftonline.com/TENANT/v2.0`). The redirect URI to register there is
    /// `{public-url}/ui/auth/oidc/callback`.
    #[arg(long, env = "STINT_OIDC_ISSUER", requires = "oidc_client_id")]
    oidc_issuer: Option<String>,
    /// Stint's client id at the provider.
    #[arg(long, env = "STINT_OIDC_CLIENT_ID")]
    oidc_client_id: Option<String>,
    /// Stint's client secret at the provider (prefer `--oidc-client-secret-file`).
    #[arg(long, env = "STINT_OIDC_CLIENT_SECRET", hide_env_values = true,
          value_parser = parse_secret, conflicts_with = "oidc_client_secret_file")]
    oidc_client_secret: Option<ClientSecret>,
    /// A file holding Stint's client secret at the provider.
    #[arg(long, env = "STINT_OIDC_CLIENT_SECRET_FILE")]
    oidc_client_secret_file: Option<PathBuf>,
    /// The scopes asked for, separated by spaces.
    #[arg(
        long,
        env = "STINT_OIDC_SCOPES",
        default_value = "openid profile email"
    )]
    oidc_scopes: String,
    /// At a first sign-in, link the identity to the user whose mail is its e-mail address, when
    /// the provider says the address is verified.
    #[arg(long, env = "STINT_OIDC_LINK_BY_EMAIL")]
    oidc_link_by_email: bool,
    /// At a first sign-in, link the identity to the SCIM-provisioned user whose externalId is
    /// this ID token claim's value (e.g. `oid` for Microsoft Entra ID). Checked before the e-mail.
    #[arg(long, env = "STINT_OIDC_LINK_CLAIM")]
    oidc_link_claim: Option<String>,
    /// At a first sign-in, create a user for an identity nobody has.
    #[arg(long, env = "STINT_OIDC_CREATE_USERS")]
    oidc_create_users: bool,
    /// The `acr` value that means multi-factor authentication at the provider (besides the
    /// RFC 8176 `amr` values mfa, otp, hwk and swk).
    #[arg(long, env = "STINT_OIDC_MFA_ACR")]
    oidc_mfa_acr: Option<String>,
    /// The provider's name on the sign-in page's button (default: the issuer's host).
    #[arg(long, env = "STINT_OIDC_NAME")]
    oidc_name: Option<String>,
    /// Who may still sign in with a password: `on` (everyone), `admins` (Global and Privileged
    /// Role Administrators) or `off`. Default: `on` without an issuer, `admins` with one.
    #[arg(long, env = "STINT_LOCAL_SIGN_IN", value_enum)]
    local_sign_in: Option<LocalSignInArg>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LocalSignInArg {
    On,
    Admins,
    Off,
}

fn parse_secret(text: &str) -> Result<ClientSecret, String> {
    Ok(ClientSecret::new(text))
}

impl OidcArgs {
    /// The provider's settings, if an issuer is given.
    pub fn settings(&self) -> anyhow::Result<Option<OidcSettings>> {
        let Some(issuer) = &self.oidc_issuer else {
            return Ok(None);
        };
        let host = url_host(issuer)
            .with_context(|| format!("--oidc-issuer {issuer} is not an http(s) URL"))?;
        let client_secret = match (&self.oidc_client_secret, &self.oidc_client_secret_file) {
            (Some(secret), _) => Some(secret.clone()),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!("reading --oidc-client-secret-file {}", path.display())
                })?;
                Some(ClientSecret::new(text.trim()))
            }
            (None, None) => None,
        };
        let mut scopes: Vec<String> = self
            .oidc_scopes
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if !scopes.iter().any(|scope| scope == "openid") {
            scopes.insert(0, "openid".into());
        }
        Ok(Some(OidcSettings {
            issuer: issuer.clone(),
            client_id: self.oidc_client_id.clone().unwrap_or_default(),
            client_secret,
            scopes,
            enrolment: Enrolment {
                link_by_email: self.oidc_link_by_email,
                create_users: self.oidc_create_users,
            },
            mfa_acr: self.oidc_mfa_acr.clone(),
            link_claim: self
                .oidc_link_claim
                .clone()
                .filter(|claim| !claim.is_empty()),
            display_name: self.oidc_name.clone().unwrap_or(host),
        }))
    }

    /// O3: `--local-sign-in`, or its default.
    pub fn local_sign_in(&self) -> LocalSignIn {
        match (self.local_sign_in, &self.oidc_issuer) {
            (Some(LocalSignInArg::On), _) | (None, None) => LocalSignIn::On,
            (Some(LocalSignInArg::Admins), _) | (None, Some(_)) => LocalSignIn::Admins,
            (Some(LocalSignInArg::Off), _) => LocalSignIn::Off,
        }
    }
}

/// The host of an `http://` or `https://` URL.
fn url_host(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?;
    let host = host.split(':').next()?;
    (!host.is_empty()).then(|| host.to_owned())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Serve {
        #[command(flatten)]
        args: OidcArgs,
    }

    #[test]
    fn o3_passwords_are_for_administrators_only_once_an_issuer_is_set_unless_told_otherwise() {
        let none = Serve::try_parse_from(["serve"]).unwrap();
        assert_eq!(none.args.local_sign_in(), LocalSignIn::On);
        assert!(none.args.settings().unwrap().is_none());
        let with = Serve::try_parse_from([
            "serve",
            "--oidc-issuer",
            "https://idp.example.com/realms/x",
            "--oidc-client-id",
            "stint",
            "--oidc-client-secret",
            "s3cret",
        ])
        .unwrap();
        assert_eq!(with.args.local_sign_in(), LocalSignIn::Admins);
        let settings = with.args.settings().unwrap().unwrap();
        assert_eq!(settings.display_name, "idp.example.com");
        assert_eq!(settings.scopes, ["openid", "profile", "email"]);
        assert!(!format!("{with:?} {settings:?}").contains("s3cret"));
        let off = Serve::try_parse_from(["serve", "--local-sign-in", "off"]).unwrap();
        assert_eq!(off.args.local_sign_in(), LocalSignIn::Off);
    }

    #[test]
    fn an_issuer_needs_a_client_id() {
        let error =
            Serve::try_parse_from(["serve", "--oidc-issuer", "https://idp.example"]).unwrap_err();
        assert!(error.to_string().contains("--oidc-client-id"), "{error}");
    }
}
