"""register_agencies AGENCIES_TSV TOKENS_OUT: registers existing schema-mode agencies as
django-tenants tenants and gives each one user with a DRF token.

AGENCIES_TSV lines: `slug<TAB>schema_name`. TOKENS_OUT gets `slug<TAB>token` lines.
Re-runnable: tenants, domains, users and tokens are updated in place (a token, once made, is kept).
Writes only to the public schema; the agency schemas are only looked at (to fail early)."""
import os
import tempfile

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from rest_framework.authtoken.models import Token

from agencies.models import Agency, Domain, User


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("agencies_tsv")
        parser.add_argument("tokens_out")

    def handle(self, agencies_tsv, tokens_out, **options):
        agencies = self.read_tsv(agencies_tsv)
        self.check_database(agencies)
        lines = []
        with transaction.atomic():
            for slug, schema in agencies:
                agency, _ = Agency.objects.update_or_create(slug=slug, defaults={"schema_name": schema})
                Domain.objects.update_or_create(
                    domain=f"{slug}.localhost", defaults={"tenant": agency, "is_primary": True}
                )
                user, created = User.objects.get_or_create(
                    username=f"bench@{slug}", defaults={"agency": agency}
                )
                if not created and user.agency_id != agency.pk:
                    user.agency = agency
                    user.save(update_fields=["agency"])
                if created:
                    user.set_unusable_password()  # token only: no password sign-in
                    user.save(update_fields=["password"])
                token, _ = Token.objects.get_or_create(user=user)
                lines.append(f"{slug}\t{token.key}\n")
        # Written whole then renamed, so a reader never sees half a file.
        out_dir = os.path.dirname(os.path.abspath(tokens_out))
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".tokens-")
        with os.fdopen(fd, "w") as f:
            f.writelines(lines)
        os.replace(tmp, tokens_out)
        self.stdout.write(f"registered {len(agencies)} agencies, tokens in {tokens_out}")

    @staticmethod
    def read_tsv(path):
        agencies = []
        with open(path) as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                parts = line.split("\t")
                if len(parts) != 2 or not all(parts):
                    raise CommandError(f"{path}:{n}: expected slug<TAB>schema_name, got {line!r}")
                agencies.append((parts[0], parts[1]))
        if not agencies:
            raise CommandError(f"{path}: no agencies")
        return agencies

    @staticmethod
    def check_database(agencies):
        with connection.cursor() as cur:
            # Comply360 FORCEs row-level security on clients (policy on app.tenant_id, which
            # django-tenants never sets): only a superuser or BYPASSRLS role sees the rows.
            cur.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
            if not cur.fetchone()[0]:
                raise CommandError(
                    "the DATABASE_URL role is neither superuser nor BYPASSRLS: under Comply360's "
                    "FORCEd RLS the Django peer would see no clients"
                )
            for slug, schema in agencies:
                cur.execute(
                    "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = %s AND c.relname = 'clients'",
                    [schema],
                )
                if cur.fetchone() is None:
                    raise CommandError(f"agency {slug}: schema {schema!r} has no table clients")
