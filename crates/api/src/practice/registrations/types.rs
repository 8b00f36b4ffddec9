//! `/api/v1/registration-types`: the wizards as data.

use crate::problem::Problem;
use axum::Json;
use axum::extract::Path;
use comply360_domain::RegistrationKind;
use comply360_practice::PracticeError;
use comply360_practice::registration_types::{RegistrationType, RegistrationTypes};

pub async fn types() -> Json<&'static [RegistrationType]> {
    Json(RegistrationTypes::built_in().all())
}

pub async fn one_type(Path(key): Path<String>) -> Result<Json<&'static RegistrationType>, Problem> {
    key.parse::<RegistrationKind>()
        .ok()
        .and_then(|k| RegistrationTypes::built_in().get(k))
        .map(Json)
        .ok_or_else(|| Problem::from(PracticeError::NotFound("registration type")))
}
