-- Run once by the postgres image on an empty data directory: the categories service
-- gets its own database beside the router's registry (POSTGRES_DB=gateway).
CREATE DATABASE categories;
