//! "Test Connection": probe, then the product's pre-flight with the token, assembled into one
//! report with a diagnosis and what to do about it.

use atlassian_core::BaseUrl;
use atlassian_core::Client;
use atlassian_core::diagnosis::{Check, Diagnosis, Preflight, TlsProblem};
use serde::Serialize;

use crate::probe::{Probed, probe};
use atlassian_core::Product;

use crate::settings::ConnectionSettings;

/// The report of `atlassian-dc test --json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TestReport {
    /// The scan can run.
    pub ok: bool,
    /// What was concluded.
    pub diagnosis: Diagnosis,
    /// `jira` / `confluence`, when known.
    pub product: Option<&'static str>,
    /// The version, when known.
    pub version: Option<String>,
    /// The base URL that answered (or was tried).
    pub base_url: String,
    /// The token's owner, when known.
    pub user: Option<String>,
    /// What was found, in one sentence.
    pub message: String,
    /// What to do about it (empty when all is well).
    pub resolution: String,
    /// Every check run, in order.
    pub checks: Vec<Check>,
}

/// The sentence that heads a diagnosis.
fn headline(diagnosis: Diagnosis) -> &'static str {
    match diagnosis {
        Diagnosis::Ok => "the connection works and the token can run a scan",
        Diagnosis::CannotConnect => "cannot connect to the server",
        Diagnosis::Tls => "the TLS handshake or the certificate check failed",
        Diagnosis::NotAtlassian => "no Jira or Confluence Data Center at this address",
        Diagnosis::Cloud => "the server is Atlassian Cloud",
        Diagnosis::Unauthorized => "the Personal Access Token is invalid or expired",
        Diagnosis::Forbidden => "the token does not belong to an administrator",
        Diagnosis::NoUsers => "the token cannot list users",
        Diagnosis::RateLimited => "the server keeps answering 429 Too Many Requests",
    }
}

/// Runs the connection test.
pub async fn test_connection(settings: &ConnectionSettings) -> TestReport {
    let mut checks = Vec::new();
    let probed = match probe(settings).await {
        Ok(probed) => probed,
        Err(failure) => {
            if let Some(error) = failure.source.as_ref()
                && let Some(problem) = TlsProblem::of_error(error)
            {
                return tls_report(&failure.base_url, error, &problem);
            }
            checks.push(Check::fail("reach the server", failure.message.clone()));
            return report(
                failure.diagnosis,
                None,
                failure.base_url.as_str(),
                None,
                &failure.message,
                checks,
            );
        }
    };
    checks.push(Check::pass(
        "reach the server",
        format!("{} answered", probed.base_url),
    ));
    if !probed.base_url.is_plain_http() {
        checks.push(Check::pass("TLS", "the certificate is trusted"));
    }
    checks.push(Check::pass(
        "identify the product",
        format!(
            "{} Data Center{}",
            product_name(probed.product),
            probed
                .version
                .as_deref()
                .map(|v| format!(" {v}"))
                .unwrap_or_default()
        ),
    ));
    if settings.token.is_none() {
        let message = "no Personal Access Token was given (ATLASSIAN_PAT or --token-file)";
        checks.push(Check::fail("token", message));
        return report(
            Diagnosis::Unauthorized,
            Some(&probed),
            probed.base_url.as_str(),
            None,
            message,
            checks,
        );
    }
    let client = match Client::new(settings.client_config(probed.base_url.clone())) {
        Ok(client) => client,
        Err(e) => {
            let message = atlassian_core::error_chain(&e);
            checks.push(Check::fail("client", message.clone()));
            return report(
                Diagnosis::CannotConnect,
                Some(&probed),
                probed.base_url.as_str(),
                None,
                &message,
                checks,
            );
        }
    };
    let preflight: Preflight = match probed.product {
        Product::Jira => jira_dc::preflight(&jira_dc::JiraClient::new(client)).await,
        Product::Confluence => {
            confluence_dc::preflight(&confluence_dc::ConfluenceClient::new(client)).await
        }
    };
    checks.extend(preflight.checks.iter().cloned());
    let user = preflight.user.as_ref().map(|u| u.username.clone());
    let message = if preflight.diagnosis == Diagnosis::Ok {
        String::new()
    } else {
        preflight.message.clone()
    };
    report(
        preflight.diagnosis,
        Some(&probed),
        probed.base_url.as_str(),
        user,
        &message,
        checks,
    )
}

fn product_name(product: Product) -> &'static str {
    match product {
        Product::Jira => "Jira",
        Product::Confluence => "Confluence",
    }
}

fn report(
    diagnosis: Diagnosis,
    probed: Option<&Probed>,
    base_url: &str,
    user: Option<String>,
    detail: &str,
    checks: Vec<Check>,
) -> TestReport {
    let message = if detail.is_empty() {
        headline(diagnosis).to_owned()
    } else {
        format!("{}: {detail}", headline(diagnosis))
    };
    TestReport {
        ok: diagnosis == Diagnosis::Ok,
        diagnosis,
        product: probed.map(|p| p.product.as_str()),
        version: probed.and_then(|p| p.version.clone()),
        base_url: base_url.to_owned(),
        user,
        message,
        resolution: diagnosis.resolution().to_owned(),
        checks,
    }
}

/// The report of a failed certificate check: the server was reached (the handshake began), the
/// case in the message and in the failed `TLS` check (with rustls's own words, and the request
/// in the check), its own fix as the resolution.
fn tls_report(
    base_url: &BaseUrl,
    error: &atlassian_core::Error,
    problem: &TlsProblem,
) -> TestReport {
    let root = base_url.join("/");
    let server = root
        .host_str()
        .map(|host| format!("{host}:{}", root.port_or_known_default().unwrap_or(443)));
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    let request = error
        .request()
        .map(|(method, path)| format!("{method} {path}: "))
        .unwrap_or_default();
    let checks = vec![
        Check::pass(
            "reach the server",
            format!(
                "{} accepted the connection",
                server.as_deref().unwrap_or(base_url.as_str())
            ),
        ),
        Check::fail("TLS", format!("{request}{problem} (rustls: {cause})")),
    ];
    let mut report = report(
        Diagnosis::Tls,
        None,
        base_url.as_str(),
        None,
        &format!("{problem} (rustls: {cause})"),
        checks,
    );
    report.resolution = problem.fix(server.as_deref());
    report
}

impl TestReport {
    /// The human form: a verdict, what to do, and the checks. Each line is made
    /// [`inert`](atlassian_core::human::inert) whole: the version, the token's owner and the
    /// checks' details come from the server, and a newline in them is shown, not obeyed.
    pub fn to_human(&self) -> String {
        let mut out = String::new();
        let mut line = |text: String| {
            out.push_str(&atlassian_core::human::inert(&text));
            out.push('\n');
        };
        if self.ok {
            line(format!("OK: {}", self.message));
        } else {
            line(format!("FAILED ({}): {}", self.diagnosis, self.message));
        }
        if let Some(product) = self.product {
            line(format!(
                "  server:  {product} {} at {}",
                self.version.as_deref().unwrap_or("(version unknown)"),
                self.base_url
            ));
        }
        if let Some(user) = &self.user {
            line(format!("  token:   belongs to {user}"));
        }
        if !self.resolution.is_empty() {
            line(format!("  to fix:  {}", self.resolution));
        }
        for check in &self.checks {
            let mark = if check.ok { "ok  " } else { "FAIL" };
            line(format!("  [{mark}] {}: {}", check.name, check.detail));
        }
        out
    }
}
