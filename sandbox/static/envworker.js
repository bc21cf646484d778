/* The environment check's worker: what a worker of this browser says it is. */
onmessage = function () {
  var n = self.navigator, d = n.userAgentData;
  postMessage({ua: n.userAgent, platform: n.platform, uad: !!d, brands: d ? d.brands : [], mobile: d ? d.mobile : null});
};
