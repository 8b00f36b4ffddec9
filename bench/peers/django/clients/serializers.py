from rest_framework import serializers

from .models import Client


class ClientSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")

    class Meta:
        model = Client
        fields = ["id", "name", "email"]
