"""NovaVMS: client, webhook, push."""
