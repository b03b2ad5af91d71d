//! [`InventoryBuilder::build`]: the rules checked and the sorted inventory assembled (or sent
//! to a sink, [`InventoryBuilder::build_into`]).

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;

use super::SCHEMA_ID;
use crate::inventory::error::{InventoryError, Violation};
use crate::inventory::record::{
    Group, Inventory, InventorySummary, Membership, Resource, System, whole_seconds,
};
use crate::inventory::reference::{ResourceRef, Subject};
use crate::inventory::sink::InventorySink;

use super::{InventoryBuilder, fold};

impl InventoryBuilder {
    /// Checks the rules and assembles the sorted inventory; `generated_at` is cut to whole
    /// seconds.
    ///
    /// # Errors
    ///
    /// [`InventoryError::Invalid`] listing every malformed record and every reference to an
    /// account, group or resource that was not added.
    pub fn build(self, generated_at: Timestamp) -> Result<Inventory, InventoryError> {
        let Self {
            generator,
            system,
            scanned_as,
            accounts,
            groups,
            memberships: raw_memberships,
            membership_count: _,
            mut resources,
            grants: raw_grants,
            coverage,
            warnings,
            seen_warnings: _,
            rejected,
            add_system_resource,
            streamed: _,
        } = self;
        let mut violations = rejected;
        check_system(&system, &mut violations);

        let canonical = |name: &str| groups.get(&fold(name)).cloned();

        // Canonical group → members, moved (not copied) from the groups as they were spelled.
        let mut by_group: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (group, members) in raw_memberships {
            let referrer = |account: &str| format!("membership of `{account}` in `{group}`");
            for account in &members {
                if !accounts.contains_key(account) {
                    violations.push(Violation::UnknownAccount {
                        account: account.clone(),
                        referrer: referrer(account),
                    });
                }
            }
            match canonical(&group) {
                Some(canonical) => match by_group.get_mut(&canonical) {
                    Some(held) => held.extend(members),
                    None => {
                        by_group.insert(canonical, members);
                    }
                },
                None => {
                    for account in &members {
                        violations.push(Violation::UnknownGroup {
                            group: group.clone(),
                            referrer: referrer(account),
                        });
                    }
                }
            }
        }

        let mut grants = BTreeSet::new();
        let mut needs_system = false;
        for mut grant in raw_grants {
            let referrer = || {
                format!(
                    "grant (`{}`, `{}`, `{}`)",
                    grant.resource, grant.permission, grant.subject
                )
            };
            if !resources.contains_key(&grant.resource) {
                if add_system_resource && grant.resource == "system" {
                    needs_system = true;
                } else {
                    violations.push(Violation::UnknownResource {
                        resource: grant.resource.clone(),
                        referrer: referrer(),
                    });
                }
            }
            // Checked when added, so only the two referring kinds need a look.
            match grant.subject.parse::<Subject>() {
                Ok(Subject::Account(key)) if !accounts.contains_key(&key) => {
                    violations.push(Violation::UnknownAccount {
                        account: key,
                        referrer: referrer(),
                    });
                }
                Ok(Subject::Group(name)) => match canonical(&name) {
                    Some(group) => grant.subject = Subject::Group(group).to_string(),
                    None => violations.push(Violation::UnknownGroup {
                        group: name,
                        referrer: referrer(),
                    }),
                },
                _ => {}
            }
            grants.insert(grant);
        }
        if needs_system {
            resources.insert(
                "system".to_owned(),
                Resource::new(&ResourceRef::System, None),
            );
        }

        if !violations.is_empty() {
            return Err(InventoryError::invalid(violations));
        }

        let mut group_names: Vec<String> = groups.into_values().collect();
        group_names.sort_unstable();
        Ok(Inventory {
            schema: SCHEMA_ID.to_owned(),
            generated_at: whole_seconds::truncate(generated_at),
            generator,
            system,
            scanned_as,
            accounts: accounts.into_values().collect(),
            groups: group_names.into_iter().map(Group::new).collect(),
            memberships: by_group
                .into_iter()
                .flat_map(|(group, members)| {
                    members
                        .into_iter()
                        .map(move |account| Membership::new(group.clone(), account))
                })
                .collect(),
            resources: resources.into_values().collect(),
            grants: grants.into_iter().collect(),
            coverage: coverage.into_values().collect(),
            warnings,
        })
    }

    /// Checks the rules like [`build`](Self::build) and sends the records held to `sink` —
    /// accounts, groups, memberships not already streamed, resources, grants, each sorted —
    /// then the coverage and warnings with [`InventorySink::finish`]. The sink received the
    /// header when the scan began.
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build), or the sink's own error; the sink then never sees `finish`.
    pub fn build_into(
        self,
        sink: &mut dyn InventorySink,
    ) -> Result<InventorySummary, InventoryError> {
        let streamed = self.streamed;
        // The timestamp is the header's business, and the sink has the header already.
        let inventory = self.build(Timestamp::UNIX_EPOCH)?;
        for account in &inventory.accounts {
            sink.account(account)?;
        }
        for group in &inventory.groups {
            sink.group(group)?;
        }
        for membership in &inventory.memberships {
            sink.membership(membership)?;
        }
        for resource in &inventory.resources {
            sink.resource(resource)?;
        }
        for grant in &inventory.grants {
            sink.grant(grant)?;
        }
        sink.finish(&inventory.coverage, &inventory.warnings)?;
        let mut counts = inventory.counts();
        counts.memberships += streamed;
        Ok(InventorySummary {
            system: inventory.system,
            counts,
            coverage: inventory.coverage,
            warnings: inventory.warnings,
        })
    }
}

/// The schema's constraints on `system` that the types cannot express.
fn check_system(system: &System, violations: &mut Vec<Violation>) {
    let url = &system.base_url;
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .map(|rest| rest.split('/').next().unwrap_or_default());
    let url_problem = match host {
        None => Some("must start with http:// or https://"),
        Some("") => Some("has no host"),
        Some(_) if url.ends_with('/') => Some("must not end with `/`"),
        Some(_) => None,
    };
    if let Some(reason) = url_problem {
        violations.push(Violation::InvalidRecord {
            record: format!("system.base_url `{url}`"),
            reason: reason.to_owned(),
        });
    }
    if system.version.is_empty() {
        violations.push(Violation::InvalidRecord {
            record: "system.version".to_owned(),
            reason: "is empty".to_owned(),
        });
    }
}
