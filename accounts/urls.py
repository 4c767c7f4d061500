from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import parental_views, preferences_views, views
from accounts.forms import LoginForm

app_name = "accounts"

urlpatterns = [
    path("signup/", views.sign_up, name="sign_up"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("accounts:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("profiles/", views.profiles, name="profiles"),
    path("profiles/<int:profile_id>/unlock/", parental_views.unlock_profile, name="unlock_profile"),
    path("profiles/preferences/", preferences_views.preferences, name="preferences"),
    path("profiles/manage/", views.manage_profiles, name="manage_profiles"),
    path("profiles/manage/unlock/", parental_views.manage_unlock, name="manage_unlock"),
    path("profiles/manage/pin/", parental_views.management_pin, name="management_pin"),
    path("profiles/<int:profile_id>/pin/", parental_views.profile_pin, name="profile_pin"),
    path("profiles/add/", views.add_profile, name="add_profile"),
    path("profiles/<int:profile_id>/edit/", views.edit_profile, name="edit_profile"),
    path("profiles/<int:profile_id>/delete/", views.delete_profile, name="delete_profile"),
]
