"""Public-schema models: the tenants (Comply360's schema-mode agencies), their domains, and the
users who sign in to them."""
from django.contrib.auth.models import AbstractUser
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Agency(TenantMixin):
    """A tenant: `schema_name` (from TenantMixin) is the agency's existing `t_<slug>` schema."""

    slug = models.SlugField(max_length=63, unique=True)

    # Comply360 owns the t_* schemas and their tables: registering a tenant here must never
    # create, migrate or drop one.
    auto_create_schema = False
    auto_drop_schema = False

    def __str__(self):
        return self.slug


class Domain(DomainMixin):
    """`<slug>.localhost` -> Agency; TenantMainMiddleware looks it up by the request's Host."""


class User(AbstractUser):
    """Users live in the public schema (shared across tenants), so each one names its agency:
    a token is good only on its own agency's host (see permissions.IsAgencyMember)."""

    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="users")
