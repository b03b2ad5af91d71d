//! The spaces and their permissions: REST from 9.1, the JSON-RPC bridge before, each holder
//! resolved to an account or group.

use std::collections::{BTreeSet, HashSet};

use atlassian_core::inventory::Coverage;
use atlassian_core::{Error, Resource, ResourceRef, StatusCode, Subject};
use futures::{StreamExt, TryStreamExt};

use crate::api::ConfluenceClient;
use crate::model::{Space, SpaceStatus, User};
use crate::permission::{
    LegacyName, SubjectRef, legacy_space_permission, legacy_subject, rest_space_permission,
    rest_subject,
};

use super::{
    NEEDS_ADMIN, NEEDS_VIEW_USERS, Resolution, Scanner, SpaceOutcome, SpacePermissionSource,
};

impl Scanner<'_> {
    /// Current and archived spaces, global and personal, de-duplicated by key.
    pub(super) async fn spaces(&mut self) -> Result<Vec<String>, Error> {
        self.progress("spaces", 0, None);
        let mut keys = Vec::new();
        let mut seen = HashSet::new();
        let mut refusal: Option<String> = None;
        for status in [SpaceStatus::Current, SpaceStatus::Archived] {
            match self.api.spaces(status).try_collect::<Vec<Space>>().await {
                Ok(spaces) => {
                    for space in spaces {
                        if !seen.insert(space.key.clone()) {
                            self.builder.warning(format!(
                                "space {} is listed as both current and archived",
                                space.key
                            ));
                            continue;
                        }
                        let archived = space
                            .status
                            .as_deref()
                            .map_or(status == SpaceStatus::Archived, |s| {
                                s.eq_ignore_ascii_case("archived")
                            });
                        self.builder.resource(
                            Resource::new(&ResourceRef::Space(space.key.clone()), space.name)
                                .with_archived(archived),
                        );
                        keys.push(space.key);
                    }
                }
                Err(e) if e.is_refused() => {
                    refusal.get_or_insert_with(|| e.to_string());
                }
                Err(e) => return Err(e),
            }
        }
        let method = format!(
            "space?status=current and space?status=archived ({} spaces, global and personal)",
            keys.len()
        );
        let coverage = if let Some(e) = refusal {
            Coverage::incomplete(
                "resources",
                Some(method),
                format!("the spaces could not be listed ({e}); {NEEDS_ADMIN}"),
            )
        } else if self.is_admin_member() {
            self.resources_complete = true;
            // Holds for any data: a direct member of confluence-administrators sees every space
            // (ref §7.4), both listings — current and archived, without a type filter, so
            // global and personal — were read to their end without a refusal, and the pre-9
            // paging quirks only repeat spaces (de-duplicated by key), never hide one.
            Coverage::complete(
                "resources",
                format!(
                    "{method}; the token's owner is in confluence-administrators, who see every space"
                ),
            )
        } else {
            let why = if self.my_groups.is_some() {
                "it is not in confluence-administrators"
            } else {
                "its groups could not be read to show that it administers Confluence"
            };
            Coverage::incomplete(
                "resources",
                Some(method),
                format!(
                    "only the spaces the token's owner may view are listed ({why}); {NEEDS_ADMIN}"
                ),
            )
        };
        self.builder.coverage(coverage);
        self.progress("spaces", keys.len() as u64, Some(keys.len() as u64));
        Ok(keys)
    }

    /// Every listed space's permissions: REST from 9.1, JSON-RPC before. The first space is
    /// read alone, so that an instance-wide block (the Remote API off, WebSudo) costs one
    /// request, not one per space.
    pub(super) async fn space_permissions(&mut self, spaces: &[String]) -> Result<(), Error> {
        let source = if self.at_least(9, 1) {
            SpacePermissionSource::Rest
        } else {
            SpacePermissionSource::JsonRpc
        };
        let total = spaces.len() as u64;
        self.progress("space permissions", 0, Some(total));
        let api = self.api;
        let mut outcomes: Vec<(String, SpaceOutcome)> = Vec::with_capacity(spaces.len());
        if let Some((first, rest)) = spaces.split_first() {
            let outcome = read_space(api, source, first).await?;
            // Only the bridge is blocked instance-wide; a REST fallback that met it was one space.
            let blocked = source == SpacePermissionSource::JsonRpc
                && matches!(outcome, SpaceOutcome::Unavailable(_));
            outcomes.push((first.clone(), outcome));
            if !blocked {
                let mut answers = futures::stream::iter(rest.iter().cloned())
                    .map(|key| async move {
                        let outcome = read_space(api, source, &key).await;
                        (key, outcome)
                    })
                    .buffer_unordered(self.parallelism);
                while let Some((key, outcome)) = answers.next().await {
                    outcomes.push((key, outcome?));
                    if outcomes.len().is_multiple_of(25) {
                        self.progress("space permissions", outcomes.len() as u64, Some(total));
                    }
                }
            }
        }

        // In space order, whatever order the answers came in: warnings arise in this order, and
        // two scans of one system should read the same.
        outcomes.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut unavailable: Option<String> = None;
        let mut refusals: Vec<String> = Vec::new();
        let mut vanished: Vec<String> = Vec::new();
        let mut unknown_names: BTreeSet<String> = BTreeSet::new();
        let mut odd_holders = 0usize;
        let mut fell_back = 0usize;
        let mut pending: Vec<(String, String, SubjectRef)> = Vec::new();
        for (key, outcome) in outcomes {
            match outcome {
                SpaceOutcome::Read {
                    grants,
                    unknown_names: names,
                    odd_holders: odd,
                    fell_back: via_rpc,
                } => {
                    fell_back += usize::from(via_rpc);
                    odd_holders += odd;
                    unknown_names.extend(names);
                    pending.extend(grants.into_iter().map(|(p, s)| (key.clone(), p, s)));
                }
                SpaceOutcome::Refused(why) => refusals.push(why),
                SpaceOutcome::Vanished => vanished.push(key),
                SpaceOutcome::Unavailable(why) => {
                    unavailable.get_or_insert(why);
                }
            }
        }
        let mut unresolved_refused = 0usize;
        for (space, permission, holder) in pending {
            match self.resolve(&holder).await? {
                Resolution::Subject(subject) => {
                    self.builder
                        .grant(ResourceRef::Space(space), permission, subject);
                }
                Resolution::Missing => {
                    self.builder.warning(format!(
                        "space {space}: {permission} is granted to {holder:?}, who does not exist; not listed"
                    ));
                }
                Resolution::Refused(why) => {
                    unresolved_refused += 1;
                    self.builder.warning(format!(
                        "space {space}: {permission} is granted to {holder:?}, who could not be looked up ({why}); not listed"
                    ));
                }
            }
        }
        for space in &vanished {
            self.builder.warning(format!(
                "space {space} disappeared during the scan; its permissions are not listed"
            ));
        }

        let n = spaces.len();
        self.space_method = match source {
            SpacePermissionSource::Rest if fell_back > 0 => format!(
                "space/{{key}}/permissions and /permissions/anonymous for {n} spaces (REST, 9.1+; JSON-RPC getSpacePermissionSets for {fell_back} whose REST resource answered 404)"
            ),
            SpacePermissionSource::Rest => format!(
                "space/{{key}}/permissions and /permissions/anonymous for {n} spaces (REST, 9.1+)"
            ),
            SpacePermissionSource::JsonRpc => format!(
                "JSON-RPC getSpacePermissionSets for {n} spaces (legacy names mapped, holders named by username)"
            ),
        };
        let problems = &mut self.space_problems;
        if let Some(why) = unavailable {
            problems.push(why);
        }
        if let Some(first) = refusals.first() {
            problems.push(format!(
                "the permissions of {} of {n} spaces were refused: {first}",
                refusals.len()
            ));
        }
        if !vanished.is_empty() {
            problems.push(format!(
                "{} spaces disappeared during the scan",
                vanished.len()
            ));
        }
        if !unknown_names.is_empty() {
            problems.push(format!(
                "legacy permission names this scanner does not know were left out: {unknown_names:?}"
            ));
        }
        if odd_holders > 0 {
            problems.push(format!(
                "{odd_holders} grants to holders of an unknown shape were left out"
            ));
        }
        if unresolved_refused > 0 {
            problems.push(format!(
                "{unresolved_refused} grants name users who could not be looked up; {NEEDS_VIEW_USERS}"
            ));
        }
        if !self.resources_complete {
            problems.push(
                "only the permissions of the listed spaces were read (see the resources coverage)"
                    .to_owned(),
            );
        }
        self.progress("space permissions", total, Some(total));
        Ok(())
    }

    /// A holder as a subject: users by key or username, looked up when not yet known.
    pub(super) async fn resolve(&mut self, holder: &SubjectRef) -> Result<Resolution, Error> {
        if let Some(done) = self.resolved.get(holder) {
            return Ok(done.clone());
        }
        let resolution = match holder {
            SubjectRef::Anonymous => Resolution::Subject(Subject::Anonymous),
            SubjectRef::Group(name) => {
                let canonical = match self.builder.canonical_group(name) {
                    Some(canonical) => canonical.to_owned(),
                    None => {
                        if self.groups.is_some() {
                            self.builder.warning(format!(
                                "a permission names group {name:?}, which the group list does not hold; listed as found"
                            ));
                        }
                        self.builder.group(name.clone());
                        name.clone()
                    }
                };
                Resolution::Subject(Subject::Group(canonical))
            }
            SubjectRef::UserKey(key) if self.known_set.contains(key) => {
                Resolution::Subject(Subject::Account(key.clone()))
            }
            SubjectRef::Username(name) if self.by_username.contains_key(&name.to_lowercase()) => {
                Resolution::Subject(Subject::Account(
                    self.by_username[&name.to_lowercase()].clone(),
                ))
            }
            SubjectRef::UserKey(key) => self.look_up(self.api.user_by_key(key).await),
            SubjectRef::Username(name) => self.look_up(self.api.user_by_username(name).await),
        };
        if let Resolution::Subject(Subject::Account(key)) = &resolution {
            self.seen_elsewhere.insert(key.clone());
        }
        self.resolved.insert(holder.clone(), resolution.clone());
        Ok(resolution)
    }

    pub(super) fn look_up(&mut self, answer: Result<Option<User>, Error>) -> Resolution {
        match answer {
            Ok(Some(user)) => match self.add_user(user) {
                Some(key) => Resolution::Subject(Subject::Account(key)),
                None => Resolution::Missing,
            },
            Ok(None) => Resolution::Missing,
            Err(e) => Resolution::Refused(e.to_string()),
        }
    }
}

/// Reads one space's permissions from `source`.
async fn read_space(
    api: &ConfluenceClient,
    source: SpacePermissionSource,
    key: &str,
) -> Result<SpaceOutcome, Error> {
    match source {
        SpacePermissionSource::JsonRpc => read_json_rpc(api, key, false).await,
        SpacePermissionSource::Rest => read_rest(api, key).await,
    }
}

/// A 404 whose body says the space does not exist (not that the resource does not).
fn no_such_space(e: &Error) -> bool {
    e.is_not_found()
        && e.api_body()
            .is_some_and(|b| b.messages.iter().any(|m| m.contains("No space with key")))
}

/// The REST resources; a 404 from a build without them falls back to JSON-RPC.
async fn read_rest(api: &ConfluenceClient, key: &str) -> Result<SpaceOutcome, Error> {
    let refusal = |e: &Error| {
        if e.status() == Some(StatusCode::INTERNAL_SERVER_ERROR) {
            Some(format!(
                "{e} — Confluence 9.1+ answers a non-administrator with 500 here (CONFSERVER-99908); {NEEDS_ADMIN}"
            ))
        } else if e.is_refused() {
            Some(format!("{e}; {NEEDS_ADMIN}"))
        } else {
            None
        }
    };
    let mut permissions = match api.space_permissions(key).await {
        Ok(p) => p,
        Err(e) if no_such_space(&e) => return Ok(SpaceOutcome::Vanished),
        Err(e) if e.is_not_found() => return read_json_rpc(api, key, true).await,
        Err(e) => match refusal(&e) {
            Some(why) => return Ok(SpaceOutcome::Refused(why)),
            None => return Err(e),
        },
    };
    match api.space_anonymous_permissions(key).await {
        Ok(anonymous) => permissions.extend(anonymous),
        Err(e) if e.is_not_found() => return read_json_rpc(api, key, true).await,
        Err(e) => match refusal(&e) {
            Some(why) => return Ok(SpaceOutcome::Refused(why)),
            None => return Err(e),
        },
    }
    let mut grants = Vec::with_capacity(permissions.len());
    let mut odd_holders = 0;
    for permission in permissions {
        match rest_subject(&permission.subject) {
            Some(holder) => grants.push((rest_space_permission(&permission.operation), holder)),
            None => odd_holders += 1,
        }
    }
    Ok(SpaceOutcome::Read {
        grants,
        unknown_names: Vec::new(),
        odd_holders,
        fell_back: false,
    })
}

/// JSON-RPC `getSpacePermissionSets`, with each of its failure modes turned into a reason and
/// a fix.
async fn read_json_rpc(
    api: &ConfluenceClient,
    key: &str,
    fell_back: bool,
) -> Result<SpaceOutcome, Error> {
    let sets = match api.space_permission_sets(key).await {
        Ok(Ok(sets)) => sets,
        Ok(Err(rpc)) if rpc.is_not_permitted() => {
            return Ok(SpaceOutcome::Refused(format!(
                "the remote API refused getSpacePermissionSets ({rpc}): the token's owner is not a Confluence administrator; {NEEDS_ADMIN}"
            )));
        }
        Ok(Err(rpc)) if rpc.is_no_such_space() => return Ok(SpaceOutcome::Vanished),
        Ok(Err(rpc)) => {
            return Ok(SpaceOutcome::Refused(format!(
                "getSpacePermissionSets failed ({rpc})"
            )));
        }
        Err(e) if e.status() == Some(StatusCode::UNAUTHORIZED) => {
            return Ok(SpaceOutcome::Unavailable(format!(
                "the JSON-RPC bridge answered 401 although the token is valid ({e}): the Remote API is disabled; a Confluence administrator must enable \"Remote API (XML-RPC & SOAP)\" under General Configuration → Further Configuration (before 9.1 it is the only source of space permissions)"
            )));
        }
        Err(e @ Error::HtmlPage { .. }) => {
            return Ok(SpaceOutcome::Unavailable(format!(
                "the JSON-RPC bridge answered an HTML page instead of JSON ({e}): secure administrator sessions (WebSudo) are on and block the remote API's administrator methods; disable them under General Configuration → Security Configuration → Secure administrator sessions, or exempt the JSON-RPC path from them"
            )));
        }
        Err(e) if e.is_not_found() => {
            return Ok(SpaceOutcome::Unavailable(format!(
                "the server has no JSON-RPC bridge ({e}), and no other source of space permissions on this version"
            )));
        }
        Err(e) if e.is_forbidden() => {
            return Ok(SpaceOutcome::Refused(format!("{e}; {NEEDS_ADMIN}")));
        }
        Err(e) => return Err(e),
    };
    let mut grants = Vec::new();
    let mut unknown_names = Vec::new();
    let mut odd_holders = 0;
    for set in sets {
        let permission = match legacy_space_permission(&set.permission_type) {
            LegacyName::Permission(p) => p,
            LegacyName::Alias => continue,
            LegacyName::Unknown => {
                if !set.space_permissions.is_empty() {
                    unknown_names.push(set.permission_type);
                }
                continue;
            }
        };
        for holder in &set.space_permissions {
            match legacy_subject(holder) {
                Some(subject) => grants.push((permission.to_owned(), subject)),
                None => odd_holders += 1,
            }
        }
    }
    Ok(SpaceOutcome::Read {
        grants,
        unknown_names,
        odd_holders,
        fell_back,
    })
}
