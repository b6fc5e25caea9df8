"""Suppliers app: suppliers and managed-service providers."""

from django.apps import AppConfig


class SuppliersConfig(AppConfig):
    """Configuration of the suppliers app."""

    name = "bimodal.suppliers"
    label = "suppliers"
    verbose_name = "Suppliers"

    def ready(self) -> None:
        from bimodal.core import hooks
        from bimodal.portfolio import hooks as portfolio_hooks
        from bimodal.servicedesk import hooks as servicedesk_hooks
        from bimodal.suppliers import selectors
        from bimodal.suppliers.models import Supplier, supplier_services_q

        portfolio_hooks.supplier_services_q.register(supplier_services_q)
        servicedesk_hooks.supplier_has_contracts.register(selectors.supplier_has_contracts)
        servicedesk_hooks.covering_contract.register(selectors.covering_contract)

        hooks.home_figures.register(
            "supplier",
            hooks.HomeFigure(
                label="supplier",
                plural="suppliers",
                icon="⚙",
                permission="suppliers.view_supplier",
                count=lambda user: Supplier.objects.restrict(user).count(),
                url_name="suppliers:supplier_list",
            ),
        )
