//! Jira Data Center: REST resources mapped onto the `atlassian-core` model (built in a later issue).
