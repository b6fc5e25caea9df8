"""Knowledge app: articles, search, portal suggestions and deflection, feedback, links to tickets."""

from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    """Configuration of the knowledge app."""

    name = "bimodal.knowledge"
    label = "knowledge"
    verbose_name = "Knowledge base"

    def ready(self) -> None:
        from bimodal.core import hooks
        from bimodal.knowledge import selectors
        from bimodal.knowledge.panels import ticket_panel
        from bimodal.servicedesk import hooks as servicedesk_hooks

        servicedesk_hooks.ticket_panels.register("knowledge", ticket_panel)
        hooks.home_figures.register(
            "article",
            hooks.HomeFigure(
                label="published article",
                plural="published articles",
                icon="✦",
                permission="knowledge.view_article",
                count=selectors.published_count,
                url_name="knowledge:article_list",
            ),
        )
