//! The probe: given only a target, find the product by itself — Jira, Confluence, Atlassian
//! Cloud, or something else — and the base URL that answers. It sends no token: every request
//! here is anonymous, until the server is known to be Jira or Confluence Data Center on the
//! intended origin.

use atlassian_core::applinks::{self, Manifest};
use atlassian_core::diagnosis::Diagnosis;
use atlassian_core::{BaseUrl, Client, Error, Request, RetryPolicy, error_chain};

use atlassian_core::Product;

use crate::settings::ConnectionSettings;

/// What the probe found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probed {
    /// The base URL that answered (context path included).
    pub base_url: BaseUrl,
    /// The product.
    pub product: Product,
    /// The version, when an anonymous answer told it.
    pub version: Option<String>,
    /// The instance id of the applinks manifest.
    pub instance_id: Option<String>,
}

/// Why the probe found no Data Center to talk to.
#[derive(Debug)]
pub struct ProbeFailure {
    /// `cannot_connect`, `tls`, `not_atlassian` or `cloud`.
    pub diagnosis: Diagnosis,
    /// What was seen.
    pub message: String,
    /// The base URL the failure concerns.
    pub base_url: BaseUrl,
    /// The underlying error, when one request's error decided it.
    pub source: Option<Error>,
}

impl std::fmt::Display for ProbeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.base_url, self.message)
    }
}

impl std::error::Error for ProbeFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

/// Host names of Atlassian Cloud sites.
fn is_cloud_host(base: &BaseUrl) -> bool {
    let host = base.origin_str().to_ascii_lowercase();
    let host = host.split("://").nth(1).unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    host.ends_with(".atlassian.net") || host.ends_with(".jira.com")
}

/// The probe's client: the connection options of the scan, few retries (a closed port should
/// say so quickly).
fn probe_client(settings: &ConnectionSettings, base: &BaseUrl) -> Result<Client, Error> {
    let mut config = settings.client_config(base.clone());
    config.retry = RetryPolicy {
        max_transient_retries: 1,
        max_rate_limit_retries: 2,
        ..RetryPolicy::default()
    };
    Client::new(config)
}

/// Where the root of a bare host redirects on its own origin (anonymously): the first path
/// segment, as a context path (`/wiki` for `/wiki/homepage.action`), when it is not the root.
async fn redirected_context(settings: &ConnectionSettings, root: &BaseUrl) -> Option<String> {
    let client = probe_client(settings, root).ok()?;
    let response = client.send(&Request::get("/").without_token()).await.ok()?;
    let segment = response
        .final_path()
        .trim_start_matches('/')
        .split('/')
        .next()?;
    (!segment.is_empty() && !segment.contains('.')).then(|| format!("/{segment}"))
}

/// Finds the product and base URL of `settings.target`.
pub async fn probe(settings: &ConnectionSettings) -> Result<Probed, ProbeFailure> {
    let root = settings.target.base_url.clone();
    let failure = |diagnosis, message: String, source| ProbeFailure {
        diagnosis,
        message,
        base_url: root.clone(),
        source,
    };
    if is_cloud_host(&root) {
        return Err(failure(
            Diagnosis::Cloud,
            "the host is an Atlassian Cloud site".to_owned(),
            None,
        ));
    }
    let mut candidates = vec![root.clone()];
    if settings.target.host_only
        && let Some(path) = redirected_context(settings, &root).await
    {
        candidates.push(root.with_context_path(&path));
    }
    if settings.target.host_only {
        // The context paths real installations use; `/wiki` is Confluence's other usual one.
        for path in ["/jira", "/confluence", "/wiki"] {
            let base = root.with_context_path(path);
            if !candidates.contains(&base) {
                candidates.push(base);
            }
        }
    }
    let mut notes: Vec<String> = Vec::new();
    for base in candidates {
        let client = probe_client(settings, &base)
            .map_err(|e| failure(Diagnosis::CannotConnect, error_chain(&e), Some(e)))?;
        match identify(&client, settings.product).await {
            Ok(Identified::Found(probed)) => return Ok(probed),
            Ok(Identified::Cloud(what)) => {
                return Err(ProbeFailure {
                    diagnosis: Diagnosis::Cloud,
                    message: what,
                    base_url: base,
                    source: None,
                });
            }
            Ok(Identified::Other(what)) => {
                return Err(ProbeFailure {
                    diagnosis: Diagnosis::NotAtlassian,
                    message: what,
                    base_url: base,
                    source: None,
                });
            }
            Ok(Identified::Nothing(note)) => notes.push(format!("{base}: {note}")),
            Err(e) => {
                let diagnosis = Diagnosis::of_error(&e).unwrap_or(Diagnosis::CannotConnect);
                if matches!(diagnosis, Diagnosis::CannotConnect | Diagnosis::Tls) {
                    // The other context paths are on the same origin: no use trying them.
                    return Err(ProbeFailure {
                        diagnosis,
                        message: error_chain(&e),
                        base_url: base,
                        source: Some(e),
                    });
                }
                notes.push(format!("{base}: {}", error_chain(&e)));
            }
        }
    }
    Err(failure(
        Diagnosis::NotAtlassian,
        format!(
            "no Jira or Confluence Data Center answered ({})",
            notes.join("; ")
        ),
        None,
    ))
}

enum Identified {
    Found(Probed),
    Cloud(String),
    Other(String),
    Nothing(String),
}

async fn identify(client: &Client, expected: Option<Product>) -> Result<Identified, Error> {
    let base = client.base_url().clone();
    let found = |product, version, instance_id| {
        Identified::Found(Probed {
            base_url: base.clone(),
            product,
            version,
            instance_id,
        })
    };
    let response = client
        .send(&Request::get(applinks::MANIFEST_PATH).without_token())
        .await?;
    let mut note = format!(
        "the applinks manifest answered {}",
        response.status.as_u16()
    );
    if response.status.is_success() {
        if let Some(manifest) = Manifest::parse(&response.body) {
            let Manifest {
                id,
                type_id,
                version,
                ..
            } = manifest;
            match (type_id.as_deref(), expected) {
                (Some("jira"), None | Some(Product::Jira)) => {
                    return Ok(found(Product::Jira, version, id));
                }
                (Some("confluence"), None | Some(Product::Confluence)) => {
                    return Ok(found(Product::Confluence, version, id));
                }
                (Some(other), _) => {
                    return Ok(Identified::Other(format!(
                        "the server is an Atlassian {other:?} server{}",
                        match expected {
                            None => String::new(),
                            Some(Product::Jira) => ", not Jira".to_owned(),
                            Some(Product::Confluence) => ", not Confluence".to_owned(),
                        }
                    )));
                }
                (None, _) => note = "the applinks manifest names no product".to_owned(),
            }
        } else if response.is_html() {
            note = format!(
                "an HTML page{} answered where the REST API should be (typically the login page of an SSO proxy)",
                atlassian_core::error::ApiErrorBody::parse(response.content_type(), &response.body)
                    .messages
                    .first()
                    .map(|t| format!(" ({t:?})"))
                    .unwrap_or_default()
            );
        }
    }
    if expected != Some(Product::Confluence)
        && let Some(jira) = jira_dc::detect(client).await?
    {
        if jira.cloud {
            return Ok(Identified::Cloud(
                "serverInfo says deploymentType Cloud".to_owned(),
            ));
        }
        return Ok(found(Product::Jira, Some(jira.version), None));
    }
    if expected != Some(Product::Jira) && confluence_dc::detect(client).await? {
        return Ok(found(Product::Confluence, None, None));
    }
    if applinks::is_cloud_tenant(client).await? {
        return Ok(Identified::Cloud(
            "the server answers Atlassian Cloud's tenant information".to_owned(),
        ));
    }
    Ok(Identified::Nothing(note))
}
