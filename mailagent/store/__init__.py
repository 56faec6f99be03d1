"""The database: SQLModel tables, migrations, and the queries the service needs, one module
per thing stored. No business rules.
"""
