//! Webhook targets resolved and vetted at registration and before every delivery (DNS can
//! change), and an HTTP client that connects only to the addresses it vetted.

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use crate::domain::events::{Allowed, Refusal, vet};

/// Looks up a host's addresses; tests put a table in place of the system's resolver.
pub trait Lookup: Send + Sync {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send + 'a>>;
}

/// The operating system's resolver.
struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup<'a>(
        &'a self,
        host: &'a str,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send + 'a>> {
        Box::pin(async move {
            let found = tokio::net::lookup_host((host, 0)).await?;
            Ok(found.map(|a| a.ip()).collect())
        })
    }
}

/// Why a webhook URL cannot be called, in words an integrator may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    NoHost,
    Unresolved,
    Refused(Refusal),
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetError::NoHost => f.write_str("the URL names no host"),
            TargetError::Unresolved => f.write_str("the host does not resolve"),
            TargetError::Refused(refusal) => refusal.fmt(f),
        }
    }
}

impl std::error::Error for TargetError {}

/// The rule for webhook targets: public addresses, plus what an admin allowed.
#[derive(Clone)]
pub struct WebhookTargets {
    allowed: Arc<Allowed>,
    lookup: Arc<dyn Lookup>,
}

impl Default for WebhookTargets {
    fn default() -> Self {
        WebhookTargets::new(Allowed::default(), Arc::new(SystemLookup))
    }
}

impl fmt::Debug for WebhookTargets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookTargets")
            .field("allowed", &self.allowed)
            .finish_non_exhaustive()
    }
}

impl WebhookTargets {
    pub fn new(allowed: Allowed, lookup: Arc<dyn Lookup>) -> Self {
        WebhookTargets {
            allowed: Arc::new(allowed),
            lookup,
        }
    }

    /// The system's resolver with the hosts and ranges of `--webhook-allow`.
    pub fn allowing(entries: &[String]) -> Result<Self, String> {
        Ok(WebhookTargets::new(
            Allowed::parse(entries)?,
            Arc::new(SystemLookup),
        ))
    }

    /// The addresses `url` may be called at, or why it may not be called.
    pub async fn vet(&self, url: &str) -> Result<Vec<IpAddr>, TargetError> {
        let url = Url::parse(url).map_err(|_| TargetError::NoHost)?;
        match url.host() {
            None => Err(TargetError::NoHost),
            Some(Host::Domain(name)) => self.vet_host(name).await,
            Some(Host::Ipv4(ip)) => self.vet_addresses(&ip.to_string(), vec![ip.into()]),
            Some(Host::Ipv6(ip)) => self.vet_addresses(&ip.to_string(), vec![ip.into()]),
        }
    }

    async fn vet_host(&self, host: &str) -> Result<Vec<IpAddr>, TargetError> {
        let found = self
            .lookup
            .lookup(host)
            .await
            .map_err(|_| TargetError::Unresolved)?;
        if found.is_empty() {
            return Err(TargetError::Unresolved);
        }
        self.vet_addresses(host, found)
    }

    fn vet_addresses(&self, host: &str, found: Vec<IpAddr>) -> Result<Vec<IpAddr>, TargetError> {
        vet(host, &found, &self.allowed).map_err(TargetError::Refused)?;
        Ok(found)
    }

    /// A client for deliveries: no redirects, a time limit, and a resolver that answers only
    /// vetted addresses, so what is checked is what is connected to.
    pub fn client(&self, timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
        reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(Vetted(self.clone())))
            .build()
    }
}

/// The delivery client's resolver.
struct Vetted(WebhookTargets);

impl Resolve for Vetted {
    fn resolve(&self, name: Name) -> Resolving {
        let targets = self.0.clone();
        Box::pin(async move {
            let found = targets.vet_host(name.as_str()).await?;
            // The connector puts the URL's port in place of this one.
            let addresses: Addrs = Box::new(found.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addresses)
        })
    }
}
