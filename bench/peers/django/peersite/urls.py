"""Tenant URLs: the host picked the tenant (TenantMainMiddleware), these routes serve it."""
from django.urls import path

from clients.views import ClientList

urlpatterns = [
    path("api/clients/", ClientList.as_view(), name="client-list"),
]
