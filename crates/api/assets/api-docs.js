// Starts Swagger UI on /api/docs. A file of its own because the Content-Security-Policy allows
// no inline script. Everything it loads comes from this origin.
"use strict";
window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  // The default would show a badge fetched from validator.swagger.io (another host).
  validatorUrl: null,
  // `?url=…` must not point this page at another document.
  queryConfigEnabled: false,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
