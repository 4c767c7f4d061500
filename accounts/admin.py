from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from accounts.models import Account, Profile
from streaming_portal.infra.admin_input import SafeInputAdmin, TextRulesAdmin


class ProfileInline(TextRulesAdmin, admin.TabularInline):  # type: ignore[type-arg]
    model = Profile
    fields = ["name", "is_kids", "avatar_colour", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0


@admin.register(Account)
class AccountAdmin(SafeInputAdmin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["email", "owner", "subscription_plan", "status", "profile_total", "created_at"]
    list_filter = ["subscription_plan", "status"]
    list_select_related = ["owner"]
    search_fields = ["email", "owner__username", "profiles__name"]
    readonly_fields = ["created_at"]
    inlines = [ProfileInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Account]:
        return super().get_queryset(request).annotate(profiles_total=Count("profiles"))

    @admin.display(description="Profiles", ordering="profiles_total")
    def profile_total(self, obj: Account) -> int:
        return int(getattr(obj, "profiles_total", 0))


# Django's own user and group pages, with the same answer to junk in their list's address and
# the same text rule on their forms.
admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class PortalUserAdmin(SafeInputAdmin, UserAdmin):  # type: ignore[type-arg]
    text_rules_for_every_field = True  # names and e-mail: Django's model states no such rule


@admin.register(Group)
class PortalGroupAdmin(SafeInputAdmin, GroupAdmin):
    text_rules_for_every_field = True
