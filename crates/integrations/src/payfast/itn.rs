//! An Instant Transaction Notification: PayFast's form post to our `notify_url`, and the
//! checks it must pass before a payment counts (FACTS.md section 7): the signature
//! ([`verify_itn`]), the source ([`source_allowed`]), the amount ([`check_amount`]), the
//! merchant ([`check_merchant`]) and PayFast's own confirmation
//! ([`PayFastClient::validate`](super::PayFastClient::validate)). Each is a function of its
//! own so the caller logs which one failed.

use super::amount::parse_cents;
use super::error::PayFastError;
pub use super::signature::verify_itn;
use std::net::IpAddr;

/// The fields of a form-encoded body in the order received, empty values kept (the ITN
/// signature depends on both).
pub fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// The fields a handler needs, read from the pairs (which are kept, for the signature and
/// validate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Itn {
    pub m_payment_id: String,
    pub pf_payment_id: String,
    /// `COMPLETE` for a payment (see [`Itn::is_complete`]), `CANCELLED`, …
    pub payment_status: String,
    pub amount_gross_cents: i64,
    /// Negative (PayFast's fee is shown as `-2.30`).
    pub amount_fee_cents: Option<i64>,
    pub amount_net_cents: Option<i64>,
    pub merchant_id: String,
    pub item_name: Option<String>,
    pub email_address: Option<String>,
    pub custom_str1: Option<String>,
    pub signature: String,
    /// Every field as received, in order.
    pub pairs: Vec<(String, String)>,
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn required(pairs: &[(String, String)], name: &str) -> Result<String, PayFastError> {
    match get(pairs, name) {
        Some(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        _ => Err(PayFastError::Malformed {
            field: name.to_owned(),
            reason: "missing".to_owned(),
        }),
    }
}

fn optional(pairs: &[(String, String)], name: &str) -> Option<String> {
    get(pairs, name)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

impl Itn {
    /// Reads a posted body; refuses a missing id, status, merchant or signature, or an amount
    /// not written as PayFast writes amounts. Does not check the signature.
    pub fn parse(body: &[u8]) -> Result<Itn, PayFastError> {
        Itn::from_pairs(parse_form(body))
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> Result<Itn, PayFastError> {
        let cents = |name: &str| -> Result<Option<i64>, PayFastError> {
            get(&pairs, name)
                .filter(|v| !v.is_empty())
                .map(|v| parse_cents(name, v))
                .transpose()
        };
        Ok(Itn {
            m_payment_id: required(&pairs, "m_payment_id")?,
            pf_payment_id: required(&pairs, "pf_payment_id")?,
            payment_status: required(&pairs, "payment_status")?,
            amount_gross_cents: parse_cents("amount_gross", &required(&pairs, "amount_gross")?)?,
            amount_fee_cents: cents("amount_fee")?,
            amount_net_cents: cents("amount_net")?,
            merchant_id: required(&pairs, "merchant_id")?,
            item_name: optional(&pairs, "item_name"),
            email_address: optional(&pairs, "email_address"),
            custom_str1: optional(&pairs, "custom_str1"),
            signature: required(&pairs, "signature")?,
            pairs,
        })
    }

    /// Whether the payment went through. PayFast sends `COMPLETE`; older documents say
    /// `COMPLETED`, which is accepted too (UNCONFIRMED which one is current, FACTS.md §7.6).
    pub fn is_complete(&self) -> bool {
        matches!(self.payment_status.as_str(), "COMPLETE" | "COMPLETED")
    }

    /// The signature check on this notification's pairs.
    pub fn verify(&self, passphrase: Option<&str>) -> Result<(), PayFastError> {
        verify_itn(&self.pairs, passphrase)
    }
}

/// The amount notified is within one cent of what we charged.
pub fn check_amount(expected_cents: i64, itn: &Itn) -> Result<(), PayFastError> {
    if expected_cents.abs_diff(itn.amount_gross_cents) <= 1 {
        Ok(())
    } else {
        Err(PayFastError::AmountMismatch {
            expected_cents,
            notified_cents: itn.amount_gross_cents,
        })
    }
}

/// The notification is for our merchant account.
pub fn check_merchant(expected_merchant_id: &str, itn: &Itn) -> Result<(), PayFastError> {
    if itn.merchant_id == expected_merchant_id {
        Ok(())
    } else {
        Err(PayFastError::MerchantMismatch {
            expected: expected_merchant_id.to_owned(),
            notified: itn.merchant_id.clone(),
        })
    }
}

/// Whether `peer` is an address one of `allowed_hosts` resolves to (production:
/// [`ITN_HOSTS`](super::ITN_HOSTS); tests: `localhost`). The peer IP is checked, not the
/// `Referer` the SDK reads, which the sender chooses. A host that does not resolve allows
/// nothing.
pub async fn source_allowed(peer: IpAddr, allowed_hosts: &[String]) -> bool {
    let peer = peer.to_canonical();
    for host in allowed_hosts {
        if let Ok(addrs) = tokio::net::lookup_host((host.as_str(), 0)).await {
            for addr in addrs {
                if addr.ip().to_canonical() == peer {
                    return true;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "m_payment_id=INV-0001&pf_payment_id=1089250&payment_status=COMPLETE&item_name=Order%23123&item_description=&amount_gross=100.00&amount_fee=-2.30&amount_net=97.70&custom_str1=&name_first=Thandi&name_last=Nkosi&email_address=thandi%40example.co.za&merchant_id=10000100&signature=2fb4c3e940ef600d5210401e853fcc7c";

    #[test]
    fn parses_and_checks_the_vector() {
        let itn = Itn::parse(BODY.as_bytes()).unwrap();
        assert_eq!(itn.amount_gross_cents, 10000);
        assert_eq!(itn.amount_fee_cents, Some(-230));
        assert_eq!(itn.pairs.len(), 14);
        assert!(itn.is_complete());
        itn.verify(Some("jt7NOE43FZPn")).unwrap();
        check_amount(10001, &itn).unwrap();
        check_amount(9999, &itn).unwrap();
        assert!(check_amount(10002, &itn).is_err());
        check_merchant("10000100", &itn).unwrap();
        assert!(check_merchant("10000101", &itn).is_err());
        let bad = BODY.replace("amount_gross=100.00", "amount_gross=100%2C00");
        assert!(matches!(
            Itn::parse(bad.as_bytes()),
            Err(PayFastError::Malformed { .. })
        ));
    }

    #[tokio::test]
    async fn source_by_resolved_host() {
        let hosts = vec!["localhost".to_owned()];
        assert!(source_allowed([127, 0, 0, 1].into(), &hosts).await);
        assert!(!source_allowed([10, 1, 2, 3].into(), &hosts).await);
        assert!(!source_allowed([127, 0, 0, 1].into(), &["nonexistent.invalid".to_owned()]).await);
    }
}
