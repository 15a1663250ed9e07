"""Departments and accounts. A department's channel follows its people: creating,
moving and deactivating people changes its membership in the same unit (so
these actions live here, and ``org`` stays free of channels)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bus.base import CONTROL_TOPIC, Bus
from bus.messages import Forget, Kick
from channels.actions.channels import add_member, remove_member
from channels.actions.common import current_people
from channels.facts import CHANNEL, ChannelUpdated
from channels.models import Channel, ChannelKind
from core.errors import ForbiddenError, InvalidError, NotFoundError
from org.auth import ensure_email_free, normalise_email
from org.facts import AccountUpdated
from org.models import ApiToken, AuthSession, Department, User, UserCreate, UserUpdate
from org.passwords import hash_password, require_strong
from org.stream import PERSON
from streams.log import new_epoch
from streams.unit import Unit, run


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise ForbiddenError("admins only")


async def _department_channel(db: AsyncSession, department_id: int | None) -> Channel | None:
    if department_id is None:
        return None
    return (await db.exec(select(Channel).where(Channel.department_id == department_id))).first()


async def do_create_department(db: AsyncSession, bus: Bus, actor: User, name: str) -> Department:
    _require_admin(actor)

    async def apply(unit: Unit) -> Department:
        department = Department(name=name)
        unit.db.add(department)
        await unit.db.flush()
        unit.db.add(
            Channel(
                kind=ChannelKind.department.value,
                name=name,
                department_id=department.id,
                epoch=new_epoch(),
                created_by=actor.id,
            )
        )
        return department

    return await run(db, bus, apply, actor_id=actor.id)


async def do_rename_department(
    db: AsyncSession, bus: Bus, actor: User, department_id: int, name: str
) -> Department:
    _require_admin(actor)

    async def apply(unit: Unit) -> Department:
        department = await unit.db.get(Department, department_id)
        if department is None:
            raise NotFoundError("no such department")
        department.name = name
        unit.db.add(department)
        channel = await _department_channel(unit.db, department_id)
        assert channel is not None and channel.id is not None
        channel.name = name
        unit.db.add(channel)
        fact = ChannelUpdated(name=name, description=channel.description)
        await unit.append(CHANNEL, channel.id, fact)
        return department

    return await run(db, bus, apply, actor_id=actor.id)


async def do_create_user(db: AsyncSession, bus: Bus, actor: User, data: UserCreate) -> User:
    """An admin creates an account."""
    _require_admin(actor)
    return await run(db, bus, lambda unit: create_user(unit, data), actor_id=actor.id)


async def create_user(unit: Unit, data: UserCreate) -> User:
    """An account, in the caller's unit (first-run setup and invitations run it
    with their own checks; ``do_create_user`` for admins)."""
    email = normalise_email(data.email)
    await ensure_email_free(unit.db, email)
    if data.department_id is not None and await unit.db.get(Department, data.department_id) is None:
        raise InvalidError("no such department")
    await require_strong(data.password, email, data.display_name)
    user = User(
        email=email,
        display_name=data.display_name,
        department_id=data.department_id,
        role=data.role.value,
        password_hash=await hash_password(data.password),
    )
    unit.db.add(user)
    await unit.db.flush()
    assert user.id is not None
    channel = await _department_channel(unit.db, user.department_id)
    if channel is not None:
        person = (await current_people(unit.db, [user.id]))[user.id][1]
        await add_member(unit, channel, person)
    return user


async def do_update_user(
    db: AsyncSession, bus: Bus, actor: User, user_id: int, data: UserUpdate
) -> User:
    """Admins rename people, move them between departments, change roles,
    deactivate. Every node forgets what it cached about the person at once; a
    deactivated person's sessions end and their live connections are closed."""
    _require_admin(actor)
    fields = data.model_fields_set
    demoted = data.role is not None and data.role.value != actor.role
    if user_id == actor.id and (data.is_active is False or demoted):
        raise InvalidError("admins cannot demote or deactivate themselves")

    async def apply(unit: Unit) -> User:
        user = await unit.db.get(User, user_id)
        if user is None:
            raise NotFoundError("no such person")
        moving = "department_id" in fields and data.department_id != user.department_id
        if (
            moving
            and data.department_id is not None
            and await unit.db.get(Department, data.department_id) is None
        ):
            raise InvalidError("no such department")
        if data.display_name is not None:
            user.display_name = data.display_name
        if data.role is not None:
            user.role = data.role.value
        if data.is_active is not None:
            user.is_active = data.is_active
            if not data.is_active:
                # Every credential ends: reactivating the account revives none of them.
                await unit.db.exec(delete(AuthSession).where(col(AuthSession.user_id) == user_id))
                await unit.db.exec(delete(ApiToken).where(col(ApiToken.user_id) == user_id))
                unit.send_after_commit(
                    CONTROL_TOPIC, Kick(user=user_id, credential=None, reason="account deactivated")
                )
        old = await _department_channel(unit.db, user.department_id) if moving else None
        if moving:
            user.department_id = data.department_id
        unit.db.add(user)
        await unit.db.flush()
        if moving:
            moved = (await current_people(unit.db, [user_id], active_only=False))[user_id][1]
            if old is not None:
                await remove_member(unit, old, moved)
            new = await _department_channel(unit.db, data.department_id)
            if new is not None:
                await add_member(unit, new, moved)
        person = (await current_people(unit.db, [user_id], active_only=False))[user_id][1]
        await unit.append(
            PERSON,
            user_id,
            AccountUpdated(
                display_name=user.display_name,
                department_id=user.department_id,
                department=person.department,
                role=user.role,
            ),
        )
        unit.send_after_commit(CONTROL_TOPIC, Forget(user=user_id))
        return user

    return await run(db, bus, apply, actor_id=actor.id)
