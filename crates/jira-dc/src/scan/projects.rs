//! The project side: read while the people side runs, mapped once every account is known.

use std::collections::HashMap;

use atlassian_core::inventory::Coverage;
use atlassian_core::{Error, Resource, ResourceRef, Subject};
use futures::StreamExt;

use super::{NEEDS_ADMIN, ScanOptions, Scanner};
use crate::api::JiraClient;
use crate::holders::{HolderSubject, map_holder};
use crate::model::{GROUP_ACTOR, Holder, USER_ACTOR};

/// Every answer of the project side: the instance-wide listings, every project × role's
/// actors, every project's permission scheme. Read on its own (it needs nothing the people side
/// finds) and mapped once the accounts are known.
pub(super) struct ProjectAnswers {
    projects: Result<Vec<crate::model::Project>, Error>,
    applications: Result<Vec<crate::model::ApplicationRole>, Error>,
    roles: Result<Vec<crate::model::GlobalRole>, Error>,
    schemes: Result<crate::model::PermissionSchemes, Error>,
    /// In (project, role id) order, whatever order the answers came in: warnings arise in
    /// this order, and two scans of one system should read the same.
    role_actors: Vec<(String, Result<crate::model::ProjectRole, Error>)>,
    /// In project order, for the same reason.
    scheme_refs: Vec<(String, Result<crate::model::SchemeRef, Error>)>,
}

impl ProjectAnswers {
    pub(super) async fn fetch(api: &JiraClient, options: &ScanOptions, parallelism: usize) -> Self {
        // The four instance-wide listings are independent: one round trip.
        let (projects, applications, roles, schemes) = futures::join!(
            api.projects(),
            api.application_roles(),
            api.roles(),
            api.permission_schemes()
        );
        let keys: Vec<String> = match &projects {
            Ok(projects) => projects.iter().map(|p| p.key.clone()).collect(),
            Err(_) => Vec::new(),
        };
        // Refused listings ask nothing further (their coverage says why).
        let pairs: Vec<(String, u64)> = match &roles {
            Ok(roles) => keys
                .iter()
                .flat_map(|p| roles.iter().map(move |r| (p.clone(), r.id)))
                .collect(),
            Err(_) => Vec::new(),
        };
        let scheme_keys = if schemes.is_ok() { keys } else { Vec::new() };
        let total = (pairs.len() + scheme_keys.len()) as u64;
        let done = std::sync::atomic::AtomicU64::new(0);
        let tick = || {
            let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if d.is_multiple_of(100) || d == total {
                options.report(api.client(), "roles and schemes", d, Some(total));
            }
        };
        let role_actors = futures::stream::iter(pairs)
            .map(|(project, role)| async move {
                let answer = api.project_role(&project, role).await;
                (project, role, answer)
            })
            .buffer_unordered(parallelism)
            .inspect(|_| tick())
            .collect::<Vec<_>>();
        let scheme_refs = futures::stream::iter(scheme_keys)
            .map(|project| async move {
                let answer = api.project_permission_scheme(&project).await;
                (project, answer)
            })
            .buffer_unordered(parallelism)
            .inspect(|_| tick())
            .collect::<Vec<_>>();
        let (mut role_actors, mut scheme_refs) = futures::join!(role_actors, scheme_refs);
        role_actors.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let role_actors = role_actors
            .into_iter()
            .map(|(project, _, answer)| (project, answer))
            .collect();
        scheme_refs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Self {
            projects,
            applications,
            roles,
            schemes,
            role_actors,
            scheme_refs,
        }
    }
}

impl Scanner<'_> {
    /// Maps the project side's answers (once every account is known).
    pub(super) async fn project_side(&mut self, answers: ProjectAnswers) -> Result<(), Error> {
        let projects = self.projects(answers.projects?)?;
        self.applications(answers.applications)?;
        self.roles(&projects, answers.roles, answers.role_actors)
            .await?;
        self.permission_schemes(answers.schemes, answers.scheme_refs)
            .await
    }

    pub(super) fn projects(
        &mut self,
        projects: Vec<crate::model::Project>,
    ) -> Result<Vec<String>, Error> {
        self.progress("projects", 0, None);
        let keys: Vec<String> = projects.iter().map(|p| p.key.clone()).collect();
        for project in projects {
            self.builder.resource(
                Resource::new(&ResourceRef::Project(project.key), project.name)
                    .with_archived(project.archived.unwrap_or(false)),
            );
        }
        self.progress("projects", keys.len() as u64, Some(keys.len() as u64));
        Ok(keys)
    }

    /// Application roles: resources `application:<key>`, and `use` grants to their groups.
    pub(super) fn applications(
        &mut self,
        applications: Result<Vec<crate::model::ApplicationRole>, Error>,
    ) -> Result<(), Error> {
        let project_detail = (!self.permissions.is_admin()).then(|| {
            format!("only the projects the token's owner can browse are listed; {NEEDS_ADMIN}")
        });
        match applications {
            Ok(roles) => {
                for role in roles {
                    let resource = ResourceRef::Application(role.key.clone());
                    self.builder
                        .resource(Resource::new(&resource, role.name.clone()));
                    for group in role.groups {
                        self.builder.group(group.clone());
                        self.builder
                            .grant(resource.clone(), "use", Subject::Group(group));
                    }
                }
                // Holds for any data: `applicationrole` is one unpaged listing of every
                // application with its groups, read whole.
                self.builder
                    .coverage(Coverage::complete("grants:applications", "applicationrole"));
                self.builder.coverage(match project_detail {
                    Some(detail) => Coverage::incomplete(
                        "resources",
                        Some("project, applicationrole".into()),
                        detail,
                    ),
                    // Holds for any data: an administrator's `project?includeArchived=true`
                    // lists every project (unpaged), and `applicationrole` every application.
                    None => Coverage::complete(
                        "resources",
                        "project?includeArchived=true, applicationrole",
                    ),
                });
            }
            Err(e) if e.is_refused() => {
                let detail = format!("application roles could not be read ({e}); {NEEDS_ADMIN}");
                self.builder.coverage(Coverage::incomplete(
                    "grants:applications",
                    Some("applicationrole".into()),
                    detail.clone(),
                ));
                self.builder.coverage(Coverage::incomplete(
                    "resources",
                    Some("project, applicationrole".into()),
                    project_detail.map_or(detail.clone(), |p| format!("{p}; {detail}")),
                ));
            }
            Err(e) => return Err(e),
        }
        Ok(())
    }

    /// Every project × every global role: the role's actors in that project.
    pub(super) async fn roles(
        &mut self,
        projects: &[String],
        roles: Result<Vec<crate::model::GlobalRole>, Error>,
        answers: Vec<(String, Result<crate::model::ProjectRole, Error>)>,
    ) -> Result<(), Error> {
        let roles = match roles {
            Ok(roles) => roles,
            Err(e) if e.is_refused() => {
                self.builder.coverage(Coverage::incomplete(
                    "grants:project-roles",
                    Some("project/{key}/role/{id}".into()),
                    format!("project roles could not be read ({e}); {NEEDS_ADMIN}"),
                ));
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        self.role_names = roles.iter().map(|r| (r.id, r.name.clone())).collect();
        let mut refused: Option<Error> = None;
        let mut unresolved: Vec<(String, String, String)> = Vec::new();
        for (project, answer) in answers {
            let role = match answer {
                Ok(role) => role,
                // This project does not have this global role.
                Err(e) if e.is_not_found() => continue,
                Err(e) if e.is_refused() => {
                    refused.get_or_insert(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let resource = ResourceRef::Project(project.clone());
            let permission = format!("role:{}", role.name);
            for actor in role.actors {
                let name = actor.name.clone().unwrap_or_default();
                if actor.actor_type == GROUP_ACTOR {
                    self.builder.group(name.clone());
                    self.builder
                        .grant(resource.clone(), permission.clone(), Subject::Group(name));
                } else if actor.actor_type == USER_ACTOR {
                    if name.is_empty() {
                        self.builder.warning(format!(
                            "project {project}: role {:?} is held by a user deleted from the directory ({}); not listed",
                            role.name,
                            actor.display_name.unwrap_or_default()
                        ));
                        continue;
                    }
                    match self.by_username.get(&name.to_lowercase()) {
                        Some(key) => {
                            self.builder.grant(
                                resource.clone(),
                                permission.clone(),
                                Subject::Account(key.clone()),
                            );
                        }
                        None => unresolved.push((project.clone(), permission.clone(), name)),
                    }
                } else {
                    self.builder.warning(format!(
                        "project {project}: role {:?} has an actor of unknown type {:?}",
                        role.name, actor.actor_type
                    ));
                }
            }
        }
        // Actors the account phase did not see: look them up by username.
        for (project, permission, username) in unresolved {
            let key = match self.by_username.get(&username.to_lowercase()) {
                Some(key) => Some(key.clone()),
                None => match self.api.user_by_username(&username).await? {
                    Some(user) => self.add_user(user),
                    None => None,
                },
            };
            match key {
                Some(key) => {
                    self.builder.grant(
                        ResourceRef::Project(project),
                        permission,
                        Subject::Account(key),
                    );
                }
                None => {
                    self.builder.warning(format!(
                        "project {project}: {permission} names user {username:?}, who does not exist; not listed"
                    ));
                }
            }
        }
        self.builder.coverage(match refused {
            Some(e) => Coverage::incomplete(
                "grants:project-roles",
                Some("project/{key}/role/{id}".into()),
                format!("role actors could not be read ({e}); {NEEDS_ADMIN}"),
            ),
            // Holds for any data: every project × every global role was asked, each answer
            // whole (unpaged); a 404 only means that project lacks that role.
            None => Coverage::complete(
                "grants:project-roles",
                format!(
                    "project/{{key}}/role/{{id}} for {} projects × {} roles",
                    projects.len(),
                    roles.len()
                ),
            ),
        });
        Ok(())
    }

    /// Permission schemes: every scheme with its grants in one call, then each project's
    /// scheme id.
    pub(super) async fn permission_schemes(
        &mut self,
        schemes: Result<crate::model::PermissionSchemes, Error>,
        assigned: Vec<(String, Result<crate::model::SchemeRef, Error>)>,
    ) -> Result<(), Error> {
        let schemes = match schemes {
            Ok(s) => s,
            Err(e) if e.is_refused() => {
                self.builder.coverage(Coverage::incomplete(
                    "grants:permission-schemes",
                    Some("permissionscheme".into()),
                    format!("permission schemes could not be read ({e}); {NEEDS_ADMIN}"),
                ));
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let role_names = if self.role_names.is_empty() {
            match self.api.roles().await {
                Ok(roles) => roles.into_iter().map(|r| (r.id, r.name)).collect(),
                Err(_) => HashMap::new(),
            }
        } else {
            self.role_names.clone()
        };
        let by_id: HashMap<u64, Vec<crate::model::PermissionGrant>> = schemes
            .permission_schemes
            .into_iter()
            .map(|s| (s.id, s.permissions.unwrap_or_default()))
            .collect();
        let mut refused: Option<Error> = None;
        let mut missing_schemes = 0usize;
        for (project, scheme) in assigned {
            let scheme = match scheme {
                Ok(s) => s,
                Err(e) if e.is_refused() => {
                    refused.get_or_insert(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let Some(grants) = by_id.get(&scheme.id) else {
                missing_schemes += 1;
                self.builder.warning(format!(
                    "project {project} uses permission scheme {} that the scheme list does not hold",
                    scheme.id
                ));
                continue;
            };
            let resource = ResourceRef::Project(project.clone());
            for grant in grants {
                match self.holder_subject(&grant.holder, &role_names).await? {
                    Some(subject) => {
                        self.builder
                            .grant(resource.clone(), grant.permission.clone(), subject);
                    }
                    None => {
                        self.builder.warning(format!(
                            "project {project}: {} is granted to a {} holder {:?} that does not exist; not listed",
                            grant.permission, grant.holder.holder_type, grant.holder.parameter
                        ));
                    }
                }
            }
        }
        self.builder.coverage(match (refused, missing_schemes) {
            (Some(e), _) => Coverage::incomplete(
                "grants:permission-schemes",
                Some("permissionscheme, project/{key}/permissionscheme".into()),
                format!("project permission schemes could not be read ({e}); {NEEDS_ADMIN}"),
            ),
            (None, n) if n > 0 => Coverage::incomplete(
                "grants:permission-schemes",
                Some("permissionscheme, project/{key}/permissionscheme".into()),
                format!("{n} projects use a scheme the scheme list does not hold"),
            ),
            // Holds for any data: every scheme with its grants in one unpaged answer, and every
            // project's scheme id, none refused or missing from the list.
            (None, _) => Coverage::complete(
                "grants:permission-schemes",
                "permissionscheme?expand=permissions, project/{key}/permissionscheme",
            ),
        });
        Ok(())
    }

    /// The spec's subject for a holder; `None` for a holder naming nothing that exists.
    pub(super) async fn holder_subject(
        &mut self,
        holder: &Holder,
        role_names: &HashMap<u64, String>,
    ) -> Result<Option<Subject>, Error> {
        Ok(match map_holder(holder, role_names) {
            HolderSubject::Subject(subject) => {
                if let Subject::Group(name) = &subject {
                    self.builder.group(name.clone());
                }
                Some(subject)
            }
            HolderSubject::Account(key) => {
                if self.builder.account_by_key(&key).is_none() {
                    match self.api.user_by_key(&key).await? {
                        Some(user) => {
                            self.add_user(user);
                        }
                        None => return Ok(None),
                    }
                }
                Some(Subject::Account(key))
            }
            HolderSubject::Nothing => None,
        })
    }
}
