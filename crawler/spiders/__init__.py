"""Scrapy spiders of qraudit: :class:`crawler.spiders.district.DistrictSpider` (discovery + audits)."""
