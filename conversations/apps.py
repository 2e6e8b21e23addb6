from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from conversations.channels import register
        from conversations.widget.services import WidgetChannel

        register(WidgetChannel())
