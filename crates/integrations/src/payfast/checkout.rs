//! The checkout form: the fields a browser posts to PayFast's `eng/process`, signed.

use super::amount::format_cents;
use super::config::PayFastConfig;
use super::error::PayFastError;
use super::signature::{CHECKOUT_FIELD_ORDER, checkout_signature};
use url::Url;

/// One payment to take. Empty optional fields are left out of the form (and the signature).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckoutRequest {
    /// Our reference, echoed in the ITN (deduplicate and match on it).
    pub m_payment_id: String,
    /// More than zero.
    pub amount_cents: i64,
    pub item_name: String,
    pub item_description: Option<String>,
    pub name_first: Option<String>,
    pub name_last: Option<String>,
    pub email_address: Option<String>,
    /// Where the browser goes after paying.
    pub return_url: Option<Url>,
    /// Where the browser goes when the person cancels.
    pub cancel_url: Option<Url>,
    /// Where PayFast posts the ITN.
    pub notify_url: Option<Url>,
    /// `custom_str1` … `custom_str5`, echoed in the ITN.
    pub custom_str: [Option<String>; 5],
}

/// What the page renders as hidden inputs of a form posted to `action`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutForm {
    pub action: Url,
    /// In PayFast's documented order, `signature` last.
    pub fields: Vec<(String, String)>,
}

impl CheckoutForm {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl CheckoutRequest {
    /// The signed form for `config`'s merchant.
    pub fn form(&self, config: &PayFastConfig) -> Result<CheckoutForm, PayFastError> {
        if self.amount_cents <= 0 {
            return Err(PayFastError::InvalidRequest(format!(
                "the amount must be more than zero, not {} cents",
                self.amount_cents
            )));
        }
        if self.item_name.trim().is_empty() {
            return Err(PayFastError::InvalidRequest(
                "item_name is required".to_owned(),
            ));
        }
        let url = |u: &Option<Url>| u.as_ref().map(Url::to_string);
        let mut given: Vec<(&str, Option<String>)> = vec![
            ("merchant_id", Some(config.merchant_id.clone())),
            ("merchant_key", Some(config.merchant_key.clone())),
            ("return_url", url(&self.return_url)),
            ("cancel_url", url(&self.cancel_url)),
            ("notify_url", url(&self.notify_url)),
            ("name_first", self.name_first.clone()),
            ("name_last", self.name_last.clone()),
            ("email_address", self.email_address.clone()),
            ("m_payment_id", Some(self.m_payment_id.clone())),
            ("amount", Some(format_cents(self.amount_cents))),
            ("item_name", Some(self.item_name.clone())),
            ("item_description", self.item_description.clone()),
        ];
        for (name, value) in [
            "custom_str1",
            "custom_str2",
            "custom_str3",
            "custom_str4",
            "custom_str5",
        ]
        .into_iter()
        .zip(&self.custom_str)
        {
            given.push((name, value.clone()));
        }
        given.sort_by_key(|(k, _)| CHECKOUT_FIELD_ORDER.iter().position(|f| f == k));
        let mut fields: Vec<(String, String)> = given
            .into_iter()
            .filter_map(|(k, v)| {
                let v = v?.trim().to_owned();
                (!v.is_empty()).then(|| (k.to_owned(), v))
            })
            .collect();
        let signature = checkout_signature(&fields, config.passphrase())?;
        fields.push(("signature".to_owned(), signature));
        Ok(CheckoutForm {
            action: config.process_url()?,
            fields,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comply360_domain::Secret;

    #[test]
    fn the_own_vector_as_a_request() {
        let config = PayFastConfig::sandbox(
            "10000100",
            "46f0cd694581a",
            Some(Secret::new("jt7NOE43FZPn")),
        )
        .unwrap();
        let form = CheckoutRequest {
            m_payment_id: "INV-0001".into(),
            amount_cents: 10000,
            item_name: "Order#123".into(),
            return_url: Some(Url::parse("https://example.co.za/return").unwrap()),
            notify_url: Some(Url::parse("https://example.co.za/itn").unwrap()),
            ..CheckoutRequest::default()
        }
        .form(&config)
        .unwrap();
        assert_eq!(
            form.action.as_str(),
            "https://sandbox.payfast.co.za/eng/process"
        );
        let names: Vec<&str> = form.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "merchant_id",
                "merchant_key",
                "return_url",
                "notify_url",
                "m_payment_id",
                "amount",
                "item_name",
                "signature"
            ]
        );
        assert_eq!(form.field("amount"), Some("100.00"));
        assert_eq!(
            form.field("signature"),
            Some("7991d2e996b6df7d3d5013590681fe2a")
        );
    }
}
