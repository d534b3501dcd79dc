"""Command line: `python -m aurenlm create-user|make-admin|check-config|migrate|create-token`."""

from __future__ import annotations

import argparse
import getpass
import sys

from pydantic import ValidationError

from aurenlm.config import ConfigError, get_settings


def _settings_or_exit():
    try:
        return get_settings()
    except (ConfigError, ValidationError) as e:
        print(f'configuration error: {e}'.splitlines()[0], file=sys.stderr)
        sys.exit(2)


def cmd_check_config(_args) -> int:
    settings = _settings_or_exit()
    print(f'environment: {settings.environment}')
    print(f'database: {settings.db_url.split("@")[-1]}')
    print(f'data dir: {settings.data_dir.resolve()}')
    print(f'engine: {"gemini " + settings.gemini_model if settings.gemini_enabled else "offline"}')
    print(f'redis: {"on" if settings.redis_url else "off (memory rate limits)"}')
    print('configuration ok')
    return 0


def cmd_migrate(_args) -> int:
    _settings_or_exit()
    from aurenlm import migrate

    migrate.upgrade()
    print(f'database at revision {migrate.current_revision()}')
    return 0


def cmd_create_user(args) -> int:
    _settings_or_exit()
    from aurenlm import migrate, repos
    from aurenlm.repos.users import RegistrationError

    migrate.upgrade()
    password = args.password or getpass.getpass('Password: ')
    try:
        # an admin who makes the account vouches for its address (an OIDC sign-in then links it as it is)
        user = repos.users.create(args.email, password, is_admin=args.admin, email_verified=True)
    except RegistrationError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    user = repos.users.promote_if_first(user)  # the first account of an instance runs it, however it was made
    print(f'created user {user.email}{" (admin)" if user.is_admin else ""}')
    return 0


def cmd_make_admin(args) -> int:
    """For an instance whose admins are all gone or locked out (or one made before there were admins)."""
    user = _existing_account(args.email, 'create-user --admin')
    if user is None:
        return 1
    from aurenlm import repos
    from aurenlm.repos import admin as admin_rows

    admin_rows.update_user(user.id, is_admin=True, disabled_at=None)
    repos.audit.record(None, 'admin_grant_admin', target_id=user.id, target_email=user.email, via='command line')
    print(f'{user.email} is an admin now')
    return 0


def _existing_account(email: str, how_to_create: str):
    """The account with this address, on an upgraded database; None, after saying how to create it, when none."""
    _settings_or_exit()
    from aurenlm import migrate, repos

    migrate.upgrade()
    user = repos.users.by_email(email)
    if user is None:
        print(f'error: no account with the email {email}; create it with {how_to_create}', file=sys.stderr)
    return user


def cmd_create_token(args) -> int:
    user = _existing_account(args.email, 'create-user first')
    if user is None:
        return 1
    from aurenlm.security import tokens

    try:
        made = tokens.issue(user, args.name, can_write=args.write, expires_days=args.expires_days)
    except tokens.TokenError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    scope = 'read and write' if made.row.can_write else 'read only'
    expiry = f'expires {made.row.expires_at:%Y-%m-%d}' if made.row.expires_at else 'no expiry'
    print(f'created token "{made.row.name}" for {user.email} ({scope}, {expiry}); it is shown only once:')
    print(made.token)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='python -m aurenlm', description='AurenLM administration')
    sub = parser.add_subparsers(dest='command', required=True)
    sub.add_parser('check-config', help='validate the configuration and print a summary').set_defaults(
        func=cmd_check_config
    )
    sub.add_parser('migrate', help='upgrade the database to the latest schema').set_defaults(func=cmd_migrate)
    create_user = sub.add_parser('create-user', help='create an account')
    create_user.add_argument('--email', required=True)
    create_user.add_argument('--password', help='omit to be asked without echo')
    create_user.add_argument('--admin', action='store_true')
    create_user.set_defaults(func=cmd_create_user)
    make_admin = sub.add_parser('make-admin', help='make an existing account an admin (and enable it)')
    make_admin.add_argument('--email', required=True)
    make_admin.set_defaults(func=cmd_make_admin)
    create_token = sub.add_parser('create-token', help='make a personal access token for the REST API')
    create_token.add_argument('--email', required=True, help='the account the token acts for')
    create_token.add_argument('--name', required=True, help='what the token is for, e.g. "backup script"')
    create_token.add_argument('--write', action='store_true', help='allow changes (default: read only)')
    create_token.add_argument('--expires-days', type=int, default=None, help='expire after this many days')
    create_token.set_defaults(func=cmd_create_token)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
