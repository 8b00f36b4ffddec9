from django.db import models


class Client(models.Model):
    """Comply360's `clients` table, read through the tenant's schema (django-tenants' search_path
    is "<t_slug>", public). Unmanaged: Django never creates or alters it, and only the columns
    the API needs are declared, so Comply360's other columns don't matter.

    The real primary key is (tenant_id, id); inside one agency's schema `id` (a UUID) is unique,
    which is all Django needs."""

    id = models.UUIDField(primary_key=True)
    tenant_id = models.UUIDField()
    display_name = models.TextField()
    email = models.TextField(null=True)
    created_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "clients"
