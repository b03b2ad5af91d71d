//! The 9.3+ global permissions, and the implicit administrators.

use std::collections::BTreeSet;

use atlassian_core::inventory::Coverage;
use atlassian_core::{Error, ResourceRef, Subject};

use crate::model::RestPermission;
use crate::permission::{global_permission, rest_subject};

use super::{ADMIN_GROUP, NEEDS_ADMIN, Resolution, Scanner};

impl Scanner<'_> {
    /// The 9.3+ global permissions, where the server has them (probed from 9.0; a 404 means
    /// it has not, and the collection is not reported): `permissions`, and — since the bulk list
    /// may leave them out — `permissions/anonymous` and `permissions/unlicensed`.
    pub(super) async fn global_permissions(&mut self) -> Result<(), Error> {
        if !self.at_least(9, 0) {
            return Ok(());
        }
        let unreadable = |e: &Error| e.status().is_some() || matches!(e, Error::Decode { .. });
        let mut permissions: Vec<RestPermission> = match self.api.global_permissions().await {
            Ok(None) => {
                tracing::debug!("no global-permission resource on this server");
                return Ok(());
            }
            Ok(Some(permissions)) => permissions,
            Err(e) if unreadable(&e) => {
                self.builder.coverage(Coverage::incomplete(
                    "grants:global-permissions",
                    Some("permissions".into()),
                    format!("the global permissions could not be read ({e}); {NEEDS_ADMIN}"),
                ));
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        self.progress("global permissions", 0, None);
        let listed = permissions.len();
        let mut problems = Vec::new();
        match self.api.global_anonymous_permissions().await {
            Ok(Some(anonymous)) => permissions.extend(anonymous),
            Ok(None) => problems.push(
                "permissions/anonymous answered 404, so the anonymous grants are missing unless the bulk list holds them".to_owned(),
            ),
            Err(e) if unreadable(&e) => problems.push(format!(
                "the anonymous global permissions could not be read ({e}); {NEEDS_ADMIN}"
            )),
            Err(e) => return Err(e),
        }
        match self.api.global_unlicensed_permissions().await {
            Ok(Some(unlicensed)) if unlicensed.is_empty() => {}
            Ok(Some(unlicensed)) => {
                let names: BTreeSet<String> = unlicensed
                    .iter()
                    .map(|p| global_permission(&p.operation))
                    .collect();
                problems.push(format!(
                    "{} global permissions granted to unlicensed authenticated users ({names:?}) are not listed: the inventory has no subject for those users",
                    unlicensed.len()
                ));
            }
            Ok(None) => problems.push(
                "permissions/unlicensed answered 404, so whether unlicensed users hold global permissions is unknown".to_owned(),
            ),
            Err(e) if unreadable(&e) => problems.push(format!(
                "the global permissions of unlicensed users could not be read ({e}); {NEEDS_ADMIN}"
            )),
            Err(e) => return Err(e),
        }
        let mut odd = 0usize;
        for permission in &permissions {
            let name = global_permission(&permission.operation);
            let Some(holder) = rest_subject(&permission.subject) else {
                odd += 1;
                continue;
            };
            match self.resolve(&holder).await? {
                Resolution::Subject(subject) => {
                    self.builder.grant(ResourceRef::System, name, subject);
                }
                Resolution::Missing => {
                    self.builder.warning(format!(
                        "{name} is granted to {holder:?}, who does not exist; not listed"
                    ));
                }
                Resolution::Refused(why) => problems.push(format!(
                    "{name} is granted to {holder:?}, who could not be looked up ({why})"
                )),
            }
        }
        if odd > 0 {
            problems.push(format!(
                "{odd} grants to holders of an unknown shape were left out"
            ));
        }
        let method = format!(
            "permissions ({listed} grants), permissions/anonymous ({} grants) and permissions/unlicensed",
            permissions.len() - listed
        );
        // Complete, when no problem was found, for any data: `permissions` is documented as
        // every global permission granted to users and groups, `/anonymous` and `/unlicensed`
        // were read too (whichever holds the anonymous grants, both were read; the unlicensed
        // list was empty), every holder was resolved or shown not to exist, and nothing was
        // refused.
        self.builder.coverage(Coverage::from_problems(
            "grants:global-permissions",
            method,
            &problems,
        ));
        Ok(())
    }

    /// Members of `confluence-administrators` administer the instance and every space without a
    /// stored space permission: one `system:administer` grant to the group.
    pub(super) fn administrators(&mut self) {
        match self.builder.canonical_group(ADMIN_GROUP).map(str::to_owned) {
            Some(group) => {
                self.builder
                    .grant(ResourceRef::System, "system:administer", Subject::Group(group));
                self.space_method
                    .push_str(", and system:administer for confluence-administrators");
            }
            None if self.groups.is_none() => self.space_problems.push(format!(
                "the groups could not be listed, so whether {ADMIN_GROUP} exists (and administers every space) is unknown"
            )),
            None => {
                self.builder.warning(format!(
                    "there is no {ADMIN_GROUP} group: no implicit administrators are recorded"
                ));
            }
        }
    }
}
