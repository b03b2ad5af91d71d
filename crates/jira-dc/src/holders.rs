//! [`map_holder`]: a permission-scheme grant's holder as the inventory's subject.
//!
//! Reference §7.2: `group` with a name is that group, and without one Jira's legacy "Anyone";
//! `user` carries a user *key*; `projectRole` a role id (its name when expanded);
//! `applicationRole` an application key, or, without one, any logged-in user with any
//! application access; the rest (`reporter`, `assignee`, `projectLead`, `userCustomField`, …)
//! depend on the issue and are kept as `special:` subjects.

use std::collections::HashMap;

use atlassian_core::Subject;

use crate::model::Holder;

/// What a holder stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HolderSubject {
    /// A subject that needs nothing more.
    Subject(Subject),
    /// The account with this key, which the caller must know or look up (a key naming no
    /// account is a grant to nobody).
    Account(String),
    /// A holder naming nothing that exists (a project role id no role has).
    Nothing,
}

/// Maps `holder`; `role_names` are the global roles by id, for holders whose role is not
/// expanded.
pub fn map_holder(holder: &Holder, role_names: &HashMap<u64, String>) -> HolderSubject {
    let parameter = holder.parameter.as_deref().filter(|p| !p.is_empty());
    HolderSubject::Subject(match (holder.holder_type.as_str(), parameter) {
        ("group", Some(name)) => Subject::Group(name.to_owned()),
        // A group holder without a group is Jira's legacy "Anyone".
        ("group", None) | ("anyone", _) => Subject::Anonymous,
        ("user", Some(key)) => return HolderSubject::Account(key.to_owned()),
        ("projectRole", Some(id)) => {
            let name = holder
                .project_role
                .as_ref()
                .map(|r| r.name.clone())
                .or_else(|| {
                    id.parse()
                        .ok()
                        .and_then(|id: u64| role_names.get(&id).cloned())
                });
            match name {
                Some(name) => Subject::Role(name),
                None => return HolderSubject::Nothing,
            }
        }
        ("applicationRole", Some(key)) => Subject::Application(key.to_owned()),
        // Without an application: any logged-in user with any application access.
        ("applicationRole", None) => Subject::Authenticated,
        (other, Some(p)) => Subject::Special(format!("{other}:{p}")),
        (other, None) => Subject::Special(other.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GlobalRole;

    fn holder(kind: &str, parameter: Option<&str>) -> Holder {
        Holder {
            holder_type: kind.to_owned(),
            parameter: parameter.map(str::to_owned),
            project_role: None,
        }
    }

    fn subject(s: Subject) -> HolderSubject {
        HolderSubject::Subject(s)
    }

    #[test]
    fn every_documented_holder_type_has_its_subject() {
        let roles = HashMap::from([(10_002, "Administrators".to_owned())]);
        let cases = [
            (
                holder("group", Some("jira-users")),
                subject(Subject::Group("jira-users".into())),
            ),
            (holder("group", None), subject(Subject::Anonymous)),
            (holder("group", Some("")), subject(Subject::Anonymous)),
            (holder("anyone", None), subject(Subject::Anonymous)),
            (
                holder("user", Some("JIRAUSER10100")),
                HolderSubject::Account("JIRAUSER10100".into()),
            ),
            (
                holder("projectRole", Some("10002")),
                subject(Subject::Role("Administrators".into())),
            ),
            (holder("projectRole", Some("99999")), HolderSubject::Nothing),
            (
                holder("applicationRole", Some("jira-software")),
                subject(Subject::Application("jira-software".into())),
            ),
            (
                holder("applicationRole", None),
                subject(Subject::Authenticated),
            ),
            (
                holder("reporter", None),
                subject(Subject::Special("reporter".into())),
            ),
            (
                holder("userCustomField", Some("customfield_10010")),
                subject(Subject::Special("userCustomField:customfield_10010".into())),
            ),
        ];
        for (h, expected) in cases {
            assert_eq!(map_holder(&h, &roles), expected, "{h:?}");
        }
    }

    #[test]
    fn an_expanded_role_names_itself() {
        let mut h = holder("projectRole", Some("10005"));
        h.project_role = Some(GlobalRole {
            id: 10_005,
            name: "Testers".to_owned(),
        });
        assert_eq!(
            map_holder(&h, &HashMap::new()),
            subject(Subject::Role("Testers".into()))
        );
    }
}
