//! The roles API tokens carry: every caller has exactly one, and every rule is written per role.

use serde::{Deserialize, Serialize};

/// What a token may do; every caller has exactly one role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Reads everything except financial fields.
    Viewer,
    /// A viewer who also writes the register, relationships and lifecycle.
    Editor,
    /// Reads and writes financial fields, and the commercial records (contracts, entitlements,
    /// subscriptions).
    Finance,
    /// Reads everything, financial fields and the audit log included; writes nothing.
    Auditor,
    /// Feeds discovery and tickets, manages its own webhooks, reads like a viewer.
    Integrator,
    /// Everything, tokens included.
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Viewer,
        Role::Editor,
        Role::Finance,
        Role::Auditor,
        Role::Integrator,
        Role::Admin,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "VIEWER",
            Role::Editor => "EDITOR",
            Role::Finance => "FINANCE",
            Role::Auditor => "AUDITOR",
            Role::Integrator => "INTEGRATOR",
            Role::Admin => "ADMIN",
        }
    }

    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Whether this role sees costs, book values, depreciation and prices.
    pub fn reads_financial(self) -> bool {
        matches!(self, Role::Finance | Role::Auditor | Role::Admin)
    }

    /// Whether this role reads the whole audit log (every entity's history reads like the entity).
    pub fn reads_audit_log(self) -> bool {
        matches!(self, Role::Auditor | Role::Admin)
    }
}
