from rest_framework.permissions import BasePermission


class IsAgencyMember(BasePermission):
    """Users and tokens are shared across tenants in django-tenants' public schema; without this
    check agency A's token would read agency B's clients on B's host. Costs no query:
    TokenAuthentication already loaded the user row (with agency_id) and the middleware the tenant."""

    def has_permission(self, request, view):
        tenant = getattr(request, "tenant", None)
        return tenant is not None and request.user.agency_id == tenant.pk
