//! The connector's registration facts, as an identity-governance platform registers it
//! (`atlassian-dc describe [--json]`).

use serde::Serialize;

/// One row of the troubleshooting table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Troubleshooting {
    /// What the administrator sees.
    pub symptom: &'static str,
    /// The `test` diagnosis that names it.
    pub diagnosis: &'static str,
    /// What usually causes it.
    pub likely_cause: &'static str,
    /// What to do.
    pub resolution: &'static str,
}

/// Which editions of the platform carry the connector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Editions {
    /// Community edition.
    pub community: bool,
    /// Pro edition.
    pub pro: bool,
    /// Enterprise edition.
    pub enterprise: bool,
}

/// How the connector talks to the system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Protocol {
    /// `REST`.
    pub api: &'static str,
    /// `HTTPS`.
    pub transport: &'static str,
    /// 443.
    pub port: u16,
    /// `TCP`.
    pub port_protocol: &'static str,
    /// `Bearer Personal Access Token`.
    pub authentication: &'static str,
}

/// Which platform field carries what.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CredentialMapping {
    /// The platform's field.
    pub field: &'static str,
    /// What it holds for this connector.
    pub meaning: &'static str,
}

/// A permission the service account needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MinimumPermission {
    /// `jira` or `confluence`.
    pub product: &'static str,
    /// The permission.
    pub permission: &'static str,
    /// What it is needed for.
    pub needed_for: &'static str,
}

/// The registration facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Descriptor {
    /// The connector's name.
    pub name: &'static str,
    /// Its version.
    pub version: &'static str,
    /// The platform's OS type.
    pub os_type: &'static str,
    /// The platform's system type.
    pub system_type: &'static str,
    /// The default scan priority.
    pub default_scan_priority: u32,
    /// Editions carrying it.
    pub editions: Editions,
    /// Protocol.
    pub protocol: Protocol,
    /// Platform fields.
    pub credential_mapping: [CredentialMapping; 2],
    /// What the service account needs.
    pub minimum_permissions: [MinimumPermission; 4],
    /// Symptom → cause → resolution.
    pub troubleshooting: [Troubleshooting; 8],
}

/// The connector's registration facts.
pub const DESCRIPTOR: Descriptor = Descriptor {
    name: "atlassian-dc",
    version: env!("CARGO_PKG_VERSION"),
    os_type: "JiraConfluenceDc",
    system_type: "Application",
    default_scan_priority: 500,
    editions: Editions {
        community: false,
        pro: true,
        enterprise: true,
    },
    protocol: Protocol {
        api: "REST",
        transport: "HTTPS",
        port: 443,
        port_protocol: "TCP",
        authentication: "Bearer Personal Access Token (Authorization: Bearer <PAT>)",
    },
    credential_mapping: [
        CredentialMapping {
            field: "credential.password",
            meaning: "the Personal Access Token",
        },
        CredentialMapping {
            field: "system.hostname",
            meaning: "the Jira / Confluence hostname",
        },
    ],
    minimum_permissions: [
        MinimumPermission {
            product: "jira",
            permission: "Browse Users global permission",
            needed_for: "listing users and groups",
        },
        MinimumPermission {
            product: "jira",
            permission: "Jira Administrators",
            needed_for: "group members, project roles, application roles and permission schemes",
        },
        MinimumPermission {
            product: "confluence",
            permission: "Confluence Administrator or System Administrator",
            needed_for: "user enumeration, group members and space permissions",
        },
        MinimumPermission {
            product: "confluence",
            permission: "Remote API enabled (Confluence before 9.1)",
            needed_for: "space permissions through JSON-RPC",
        },
    ],
    troubleshooting: [
        Troubleshooting {
            symptom: "401 Unauthorized",
            diagnosis: "unauthorized",
            likely_cause: "invalid or expired Personal Access Token",
            resolution: "Regenerate the Personal Access Token (Profile → Personal Access Tokens) and update the credential",
        },
        Troubleshooting {
            symptom: "No users returned",
            diagnosis: "no_users",
            likely_cause: "the service account lacks the Browse Users global permission",
            resolution: "Grant the Browse Users global permission (Confluence: Confluence Administrator) to the service account",
        },
        Troubleshooting {
            symptom: "403 Forbidden",
            diagnosis: "forbidden",
            likely_cause: "the service account is not an administrator",
            resolution: "The token must belong to a Jira administrator or a Confluence administrator",
        },
        Troubleshooting {
            symptom: "Cannot connect",
            diagnosis: "cannot_connect",
            likely_cause: "wrong hostname or port, a firewall, or HTTPS not enabled on the instance",
            resolution: "Verify the hostname, that port 443 is reachable and that HTTPS is enabled on the instance",
        },
        Troubleshooting {
            symptom: "TLS or certificate error",
            diagnosis: "tls",
            likely_cause: "a certificate from a private certificate authority, or an expired certificate",
            resolution: "Verify the instance's SSL certificate; add the private CA bundle to the system configuration",
        },
        Troubleshooting {
            symptom: "Not a Jira or Confluence Data Center",
            diagnosis: "not_atlassian",
            likely_cause: "a wrong URL or context path, or an SSO proxy's login page in front of the server",
            resolution: "Check the URL and context path (e.g. https://host/jira)",
        },
        Troubleshooting {
            symptom: "Atlassian Cloud site",
            diagnosis: "cloud",
            likely_cause: "the hostname is an Atlassian Cloud site",
            resolution: "This connector is for Data Center / Server; use the Cloud connector",
        },
        Troubleshooting {
            symptom: "429 Too Many Requests",
            diagnosis: "rate_limited",
            likely_cause: "the instance's rate limiting is stricter than the scan",
            resolution: "Raise or exempt the service account's rate limit, or lower the concurrency",
        },
    ],
};

impl Descriptor {
    /// The human form of `atlassian-dc describe`.
    pub fn to_human(&self) -> String {
        let mut out = format!(
            "{} {}\n  OS type:           {}\n  system type:       {}\n  scan priority:     {}\n  editions:          Community {}, Pro {}, Enterprise {}\n  protocol:          {} over {}, port {}/{}, {}\n",
            self.name,
            self.version,
            self.os_type,
            self.system_type,
            self.default_scan_priority,
            yes_no(self.editions.community),
            yes_no(self.editions.pro),
            yes_no(self.editions.enterprise),
            self.protocol.api,
            self.protocol.transport,
            self.protocol.port,
            self.protocol.port_protocol,
            self.protocol.authentication,
        );
        out.push_str("  credentials:\n");
        for m in &self.credential_mapping {
            out.push_str(&format!("    {:<20} → {}\n", m.field, m.meaning));
        }
        out.push_str("  minimum permissions:\n");
        for p in &self.minimum_permissions {
            out.push_str(&format!(
                "    {:<11} {} ({})\n",
                p.product, p.permission, p.needed_for
            ));
        }
        out.push_str("  troubleshooting:\n");
        for t in &self.troubleshooting {
            out.push_str(&format!(
                "    {}: {} → {}\n",
                t.symptom, t.likely_cause, t.resolution
            ));
        }
        out
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}
